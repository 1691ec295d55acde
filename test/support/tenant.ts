import { client } from './http';
import { ADMIN_TOKEN } from './node-settings';

export interface Tenant {
  id: string;
  apiKey: string;
  /** Mints a customer/courier/staff token through the API. */
  token(role: 'customer' | 'courier' | 'staff', subject: string, ttlSeconds?: number): Promise<string>;
}

/** Creates a tenant through the API (with the suite's admin token); fails the test unless it is created. */
export async function createTenant(url: string, name = 'Acme'): Promise<Tenant> {
  const created = await client(url, ADMIN_TOKEN).post('/v1/tenants', { name });
  if (created.status !== 201) throw new Error(`tenant creation failed: ${created.status} ${JSON.stringify(created.body)}`);
  const apiKey = created.body.api_key as string;
  return {
    id: created.body.id,
    apiKey,
    token: async (role, subject, ttlSeconds = 3600) => {
      const minted = await client(url, apiKey).post('/v1/tokens', { role, subject, ttl_s: ttlSeconds });
      if (minted.status !== 201) throw new Error(`token mint failed: ${minted.status}`);
      return minted.body.token as string;
    },
  };
}
