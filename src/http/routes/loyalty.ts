import { requireOwnAccount } from '../../domain/principal';
import type { HttpDeps } from '../deps';
import { ledgerWire } from '../ledger-wire';
import { route, type Route } from '../route';
import { ledgerEntryResponse, loyaltyResponse, loyaltySettingsBody, loyaltySettingsResponse, redemptionBody } from '../schemas';

/** Loyalty points: balances, redemptions and the tenant's accrual rate. */
export function loyaltyRoutes({ loyalty }: HttpDeps): Route[] {
  return [
    route({
      method: 'get',
      path: '/v1/customers/:id/loyalty',
      operationId: 'getCustomerLoyalty',
      summary: "A customer's points balance and ledger",
      roles: ['business', 'staff', 'customer'],
      status: 200,
      response: loyaltyResponse,
      errors: [404],
      handler: async ({ principal, params: { id: customerId } }) => {
        requireOwnAccount(principal, customerId);
        const account = await loyalty.account(principal.tenantId, customerId);
        return { body: { customer_id: customerId, balance: account.balance, entries: account.entries.map(ledgerWire) } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/customers/:id/loyalty/redemptions',
      operationId: 'redeemLoyaltyPoints',
      summary: 'Redeem points (never below zero; a replay of event_id returns the first entry)',
      roles: ['business', 'customer'],
      body: redemptionBody,
      status: 201,
      response: ledgerEntryResponse,
      alsoReturns: [{ status: 200, description: 'a replay of the same event_id: the original entry (header Idempotent-Replayed: true)' }],
      headers: { 'Idempotent-Replayed': 'true on a replay of an event_id already redeemed; absent otherwise' },
      errors: [404, 409],
      handler: async ({ principal, params: { id: customerId }, body }) => {
        requireOwnAccount(principal, customerId);
        const { entry, replayed } = await loyalty.redeem(principal.tenantId, customerId, body);
        return { status: replayed ? 200 : 201, body: ledgerWire(entry), headers: replayed ? { 'Idempotent-Replayed': 'true' } : {} };
      },
    }),
    route({
      method: 'put',
      path: '/v1/loyalty/settings',
      operationId: 'setLoyaltySettings',
      summary: "Set the tenant's accrual rate: points = floor(whole currency units × points_per_unit)",
      roles: ['business'],
      body: loyaltySettingsBody,
      status: 200,
      response: loyaltySettingsResponse,
      handler: async ({ principal, body }) => {
        await loyalty.setPointsRate(principal.tenantId, body.points_per_unit);
        return { body: { points_per_unit: body.points_per_unit } };
      },
    }),
  ];
}
