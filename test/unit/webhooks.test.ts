import { Webhook } from 'standardwebhooks';
import { blockedAddressReason, parseWebhookUrl } from '../../src/domain/webhook-destination';
import { changeKey, retryDelayMs, signingSecretsAt, subscribes, typesOwedBy, webhookMessageId } from '../../src/domain/webhooks';
import { signedHeaders } from '../../src/notifiers/webhook-signature';

describe('webhook rules', () => {
  it('owes order.created and order.status_changed for the first event, status_changed for later ones, assigned and failed for theirs', () => {
    expect(typesOwedBy('webhook', 1)).toEqual(['order.created', 'order.status_changed']);
    expect(typesOwedBy('webhook', 4)).toEqual(['order.status_changed']);
    expect(typesOwedBy('webhook_assignment', 3)).toEqual(['order.assigned']);
    expect(typesOwedBy('webhook_alert_failed', 3)).toEqual(['notification.failed']);
    expect(typesOwedBy('webhook_payment', 3)).toEqual(['payment.updated']);
    expect(typesOwedBy('alert', 3)).toEqual([]);
  });

  it('derives one message id per endpoint, type and change: the same every time, different for any other', () => {
    const id = webhookMessageId('wh_1', 'order.status_changed', changeKey('webhook', 'ord_1', 2));
    expect(id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(webhookMessageId('wh_1', 'order.status_changed', changeKey('webhook', 'ord_1', 2))).toBe(id);
    expect(new Set([
      id,
      webhookMessageId('wh_2', 'order.status_changed', changeKey('webhook', 'ord_1', 2)),
      webhookMessageId('wh_1', 'order.created', changeKey('webhook', 'ord_1', 2)),
      webhookMessageId('wh_1', 'order.status_changed', changeKey('webhook', 'ord_1', 3)),
      webhookMessageId('wh_1', 'order.assigned', changeKey('webhook_assignment', 'ord_1', 2)),
      webhookMessageId('wh_1', 'payment.updated', changeKey('webhook_payment', 'ord_1', 2)),
      webhookMessageId('wh_1', 'payment.updated', changeKey('webhook_payment', 'ord_1', 3)),
    ]).size).toBe(7);
    expect(changeKey('webhook_payment', 'ord_1', 2)).not.toBe(changeKey('webhook_assignment', 'ord_1', 2));
  });

  it('retries after the backoff, doubling', () => {
    expect([1, 2, 3, 7].map((attempt) => retryDelayMs(attempt, 5000))).toEqual([5000, 10_000, 20_000, 320_000]);
  });

  it('subscribes an enabled endpoint to its types, for changes made since it exists', () => {
    const endpoint = { enabled: true, events: ['order.assigned' as const], created_at: '2024-01-01T00:00:00.000Z' };
    expect(subscribes(endpoint, 'order.assigned', '2024-01-01T00:00:01.000Z')).toBe(true);
    expect(subscribes(endpoint, 'order.created', '2024-01-01T00:00:01.000Z')).toBe(false);
    expect(subscribes(endpoint, 'order.assigned', '2023-12-31T23:59:59.000Z')).toBe(false);
    expect(subscribes({ ...endpoint, enabled: false }, 'order.assigned', '2024-01-01T00:00:01.000Z')).toBe(false);
  });

  it('signs with the replaced secret too until its overlap ends; standardwebhooks verifies either', () => {
    const signing = { secret: 'whsec_' + Buffer.from('new secret bytes').toString('base64'), previous_secret: 'whsec_' + Buffer.from('old secret bytes').toString('base64'), previous_secret_expires_at: '2024-01-02T00:00:00.000Z' };
    expect(signingSecretsAt(signing, '2024-01-01T12:00:00.000Z')).toEqual([signing.secret, signing.previous_secret]);
    expect(signingSecretsAt(signing, '2024-01-02T00:00:00.000Z')).toEqual([signing.secret]);
    const now = new Date();
    const headers = signedHeaders('msg_1', now, '{"a":1}', signingSecretsAt(signing, '2024-01-01T12:00:00.000Z'));
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(signing.secret).verify('{"a":1}', headers)).toEqual({ a: 1 });
    expect(new Webhook(signing.previous_secret).verify('{"a":1}', headers)).toEqual({ a: 1 });
    expect(() => new Webhook(signing.secret).verify('{"a":2}', headers)).toThrow();
  });
});

describe('webhook destinations', () => {
  it.each(['127.0.0.1', '10.0.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '255.255.255.255', '224.0.0.1', '::1', '::', 'fe80::1', 'fc00::1', 'fd12::1', '::ffff:10.0.0.1', '::ffff:127.0.0.1', '2002:a00:1::', '64:ff9b::a00:1'])(
    'refuses %s',
    (address) => {
      expect(blockedAddressReason(address)).not.toBeNull();
    },
  );

  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows the public address %s', (address) => {
    expect(blockedAddressReason(address)).toBeNull();
  });

  it('takes http(s) URLs with a host only', () => {
    expect(parseWebhookUrl('https://hooks.example.com/in')).toEqual({ url: new URL('https://hooks.example.com/in') });
    for (const bad of ['ftp://example.com/', 'example.com/in', 'javascript:alert(1)', 'file:///etc/passwd', `https://x.example/${'a'.repeat(2000)}`]) {
      expect(parseWebhookUrl(bad)).toEqual({ problem: expect.any(String) });
    }
  });
});
