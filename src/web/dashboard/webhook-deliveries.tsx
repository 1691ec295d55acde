import { ApiError } from '../shared/api';
import type { Capabilities } from './capabilities';
import type { DashboardApi } from './dashboard-api';
import { errorWords, formatAgo, formatDateTime } from './format';
import { Loading } from './parts';
import { useLoad } from './use-load';
import type { DashboardRole } from './session';
import type { Webhook, WebhookDelivery } from './wire';

/** Webhooks a tenant lists at most this many of here (each costs a request). */
const MAX_WEBHOOKS = 10;

/** The order's messages across the tenant's endpoints, newest first. */
async function deliveriesOf(api: DashboardApi, orderId: string): Promise<Array<WebhookDelivery & { url: string }>> {
  const listed = await api.get<{ items: Webhook[] } | Webhook[]>('/v1/webhooks');
  const webhooks = (Array.isArray(listed) ? listed : listed.items).slice(0, MAX_WEBHOOKS);
  const pages = await Promise.all(
    webhooks.map(async (webhook) => {
      const page = await api.get<{ items: WebhookDelivery[] }>(`/v1/webhooks/${encodeURIComponent(webhook.id)}/deliveries`);
      return page.items.filter((delivery) => delivery.order_id === orderId).map((delivery) => ({ ...delivery, url: webhook.url }));
    }),
  );
  return pages.flat().sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
}

/**
 * This order's webhook messages, gathered from the tenant's endpoints' delivery lists (the API has no
 * per-order filter). Webhooks are a business feature, and newer than some servers: without them it says so.
 */
export function WebhookDeliveries({ api, orderId, capabilities, role, reloads }: { api: DashboardApi; orderId: string; capabilities: Capabilities; role: DashboardRole; reloads: number }) {
  const supported = capabilities.allows('get', '/v1/webhooks/{id}/deliveries', role) && capabilities.allows('get', '/v1/webhooks', role);
  const loaded = useLoad(supported ? () => deliveriesOf(api, orderId) : null, [api, orderId, supported, reloads]);
  // A server without webhooks (or a role that may not see them) simply has none to show.
  const absent = !supported || (loaded.failure instanceof ApiError && (loaded.failure.status === 404 || loaded.failure.status === 403));
  const deliveries = absent ? [] : loaded.value;
  const error = loaded.failure && !absent ? errorWords(loaded.failure) : null;

  if (error) return <p class="form-error pad">{error}</p>;
  if (deliveries === null) return <Loading what="webhook deliveries" />;
  if (deliveries.length === 0) {
    return (
      <p class="muted pad" data-testid="webhook-deliveries-empty">
        No webhook deliveries{role === 'staff' && capabilities.has('get', '/v1/webhooks') ? ' (visible with the tenant API key)' : ''}.
      </p>
    );
  }
  return (
    <table class="log" data-testid="webhook-deliveries">
      <thead>
        <tr>
          <th scope="col">Message</th>
          <th scope="col">Outcome</th>
          <th scope="col">When</th>
        </tr>
      </thead>
      <tbody>
        {deliveries.map((delivery) => (
          <tr key={delivery.id}>
            <td>
              {delivery.type}
              <span class="sub truncate" title={delivery.url}>
                {delivery.url}
              </span>
            </td>
            <td>
              <span class={`outcome outcome-${delivery.status}`}>{delivery.status}</span>
              <span class="sub">
                {delivery.attempts} attempt{delivery.attempts === 1 ? '' : 's'}
                {delivery.last_status_code ? ` · HTTP ${delivery.last_status_code}` : ''}
              </span>
            </td>
            <td title={formatDateTime(delivery.created_at)}>{formatAgo(delivery.created_at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
