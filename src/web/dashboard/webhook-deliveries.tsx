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
/** An order's messages per endpoint shown at most (newest first). */
const PER_WEBHOOK = 50;

type Shown = WebhookDelivery & { url: string; webhookId: string };

/**
 * The order's messages across the tenant's endpoints, newest first: asked for by order (`order_id`) where the server
 * takes it, otherwise picked from each endpoint's latest page.
 */
async function deliveriesOf(api: DashboardApi, orderId: string, byOrder: boolean): Promise<Shown[]> {
  const listed = await api.get<{ items: Webhook[] } | Webhook[]>('/v1/webhooks');
  const webhooks = (Array.isArray(listed) ? listed : listed.items).slice(0, MAX_WEBHOOKS);
  const pages = await Promise.all(
    webhooks.map(async (webhook) => {
      const query = byOrder ? `?order_id=${encodeURIComponent(orderId)}&limit=${PER_WEBHOOK}` : '';
      const page = await api.get<{ items: WebhookDelivery[] }>(`/v1/webhooks/${encodeURIComponent(webhook.id)}/deliveries${query}`);
      return page.items
        .filter((delivery) => delivery.order_id === orderId)
        .map((delivery) => ({ ...delivery, url: webhook.url, webhookId: webhook.id }));
    }),
  );
  return pages.flat().sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
}

/** What the receiver last answered, in a few words. */
function lastAnswer(delivery: WebhookDelivery): string | null {
  if (delivery.last_error) return delivery.last_error;
  if (delivery.last_response) return `“${delivery.last_response.slice(0, 80)}”`;
  return null;
}

/**
 * This order's webhook messages: what went to which endpoint, its outcome and the receiver's last answer.
 * Webhooks are a business feature, and newer than some servers: without them it says so.
 */
export function WebhookDeliveries({ api, orderId, capabilities, role, reloads }: { api: DashboardApi; orderId: string; capabilities: Capabilities; role: DashboardRole; reloads: number }) {
  const path = '/v1/webhooks/{id}/deliveries';
  const supported = capabilities.allows('get', path, role) && capabilities.allows('get', '/v1/webhooks', role);
  const byOrder = capabilities.takes('get', path, 'order_id');
  const loaded = useLoad(supported ? () => deliveriesOf(api, orderId, byOrder) : null, [api, orderId, supported, byOrder, reloads]);
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
        {deliveries.map((delivery) => {
          const answer = lastAnswer(delivery);
          return (
            <tr key={`${delivery.webhookId}-${delivery.id}`} data-testid="webhook-delivery" data-message-id={delivery.id} data-status={delivery.status}>
              <td>
                {delivery.type}
                {delivery.seq !== null && <span class="muted"> · #{delivery.seq}</span>}
                <span class="sub truncate" title={delivery.url}>
                  {delivery.url}
                </span>
              </td>
              <td>
                <span class={`outcome outcome-${delivery.status}`}>{delivery.status}</span>
                <span class="sub">
                  {delivery.attempts} attempt{delivery.attempts === 1 ? '' : 's'}
                  {delivery.last_status_code ? ` · HTTP ${delivery.last_status_code}` : ''}
                  {delivery.status === 'pending' && delivery.next_attempt_at ? ` · next ${formatAgo(delivery.next_attempt_at)}` : ''}
                </span>
                {answer && (
                  <span class="sub truncate" title={answer}>
                    {answer}
                  </span>
                )}
              </td>
              <td title={formatDateTime(delivery.last_attempt_at ?? delivery.created_at)}>{formatAgo(delivery.last_attempt_at ?? delivery.created_at)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
