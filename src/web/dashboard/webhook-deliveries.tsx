import { ApiError } from '../shared/api';
import type { DashboardApi } from './dashboard-api';
import { errorWords, formatAgo, formatDateTime } from './format';
import { Loading, TableHead } from './parts';
import { useLoad } from './use-load';
import type { DashboardRole } from './session';
import type { Webhook, WebhookDelivery } from './wire';

/** Webhooks a tenant lists at most this many of here (each costs a request). */
const MAX_WEBHOOKS = 10;
/** An order's messages per endpoint shown at most (newest first). */
const PER_WEBHOOK = 50;

type Shown = WebhookDelivery & { url: string; webhookId: string };

/** The order's messages across the tenant's endpoints (asked for by `order_id`), newest first. */
async function deliveriesOf(api: DashboardApi, orderId: string): Promise<Shown[]> {
  const webhooks = (await api.get<{ items: Webhook[] }>('/v1/webhooks')).items.slice(0, MAX_WEBHOOKS);
  const pages = await Promise.all(
    webhooks.map(async (webhook) => {
      const query = `?order_id=${encodeURIComponent(orderId)}&limit=${PER_WEBHOOK}`;
      const page = await api.get<{ items: WebhookDelivery[] }>(`/v1/webhooks/${encodeURIComponent(webhook.id)}/deliveries${query}`);
      return page.items.map((delivery) => ({ ...delivery, url: webhook.url, webhookId: webhook.id }));
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
 * Webhooks are the business's own (API.md "Webhooks (business)"): staff see none, and are told where they are.
 */
export function WebhookDeliveries({ api, orderId, role, reloads }: { api: DashboardApi; orderId: string; role: DashboardRole; reloads: number }) {
  const owner = role === 'business';
  const loaded = useLoad(owner ? () => deliveriesOf(api, orderId) : null, [api, orderId, owner, reloads]);
  // An endpoint removed while its messages were read has none left to show.
  const absent = !owner || (loaded.failure instanceof ApiError && loaded.failure.status === 404);
  const deliveries = absent ? [] : loaded.value;
  const error = loaded.failure && !absent ? errorWords(loaded.failure) : null;

  if (error) return <p class="form-error pad">{error}</p>;
  if (deliveries === null) return <Loading what="webhook deliveries" />;
  if (deliveries.length === 0) {
    return (
      <p class="muted pad" data-testid="webhook-deliveries-empty">
        No webhook deliveries{owner ? '' : ' (visible with the tenant API key)'}.
      </p>
    );
  }
  return (
    <table class="log" data-testid="webhook-deliveries">
      <TableHead columns={['Message', 'Outcome', 'When']} />
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
