import { requireOwnAccount, requireRole } from '../../domain/principal';
import type { HttpDeps } from '../deps';
import { ledgerWire } from '../ledger-wire';
import { route, type RouteSpec } from '../route';
import { ledgerEntryResponse, loyaltyResponse, loyaltySettingsBody, loyaltySettingsResponse, redemptionBody } from '../schemas';

/** Loyalty points: balances, redemptions and the tenant's accrual rate. */
export function loyaltyRoutes({ loyalty }: HttpDeps): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/v1/customers/:id/loyalty',
      summary: "A customer's points balance and ledger",
      roles: ['business', 'staff', 'customer'],
      status: 200,
      response: loyaltyResponse,
      errors: [404],
      handler: async ({ principal, params }) => {
        const caller = requireRole(principal, ['business', 'staff', 'customer']);
        const customerId = params.id!;
        requireOwnAccount(caller, customerId);
        const account = await loyalty.account(caller.tenantId, customerId);
        return { body: { customer_id: customerId, balance: account.balance, entries: account.entries.map(ledgerWire) } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/customers/:id/loyalty/redemptions',
      summary: 'Redeem points (never below zero; a replay of event_id returns the first entry)',
      roles: ['business', 'customer'],
      body: redemptionBody,
      status: 201,
      response: ledgerEntryResponse,
      alsoReturns: [{ status: 200, description: 'a replay of the same event_id: the original entry (header Idempotent-Replayed: true)' }],
      errors: [404, 409],
      handler: async ({ principal, params, body }) => {
        const caller = requireRole(principal, ['business', 'customer']);
        const customerId = params.id!;
        requireOwnAccount(caller, customerId);
        const { entry, replayed } = await loyalty.redeem(caller.tenantId, customerId, body);
        const headers: Record<string, string> = replayed ? { 'Idempotent-Replayed': 'true' } : {};
        return { status: replayed ? 200 : 201, body: ledgerWire(entry), headers };
      },
    }),
    route({
      method: 'put',
      path: '/v1/loyalty/settings',
      summary: "Set the tenant's accrual rate: points = floor(whole currency units × points_per_unit)",
      roles: ['business'],
      body: loyaltySettingsBody,
      status: 200,
      response: loyaltySettingsResponse,
      handler: async ({ principal, body }) => {
        const business = requireRole(principal, ['business']);
        await loyalty.setPointsRate(business.tenantId, body.points_per_unit);
        return { body: { points_per_unit: body.points_per_unit } };
      },
    }),
  ];
}
