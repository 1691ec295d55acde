/** The part of Braintree's Node SDK the payment tests use: its offline sample notifications and its parser. */
declare module 'braintree' {
  export const Environment: { Sandbox: unknown; Production: unknown };

  export interface WebhookNotification {
    kind: string;
    timestamp: Date;
    transaction?: { id: string; status?: string; type?: string; amount?: string; currencyIsoCode?: string; orderId?: string };
    subscription?: { id: string; transactions: Array<{ id: string; status?: string; amount?: string }> };
  }

  export class BraintreeGateway {
    constructor(config: { environment: unknown; merchantId: string; publicKey: string; privateKey: string });
    webhookTesting: { sampleNotification(kind: string, id: string): { bt_signature: string; bt_payload: string } };
    webhookNotification: { parse(signature: string, payload: string): Promise<WebhookNotification> };
  }
}
