/**
 * The single-node tests' fixture: one in-process node with a tenant of its own and that tenant's business client,
 * for the file (or the describe it is called in). The node is stopped and its directory removed afterwards.
 */
import { client, type Client } from './http';
import { startTestNode, type TestNode } from './node';
import { createTenant, type Tenant } from './tenant';

export interface TenantNode {
  server: TestNode;
  tenant: Tenant;
  /** The tenant's business client on `server`. */
  biz: Client;
}

/** Creates a tenant on `server` and hands it with its business client. */
export async function withTenant(server: TestNode, name?: string): Promise<TenantNode> {
  const tenant = await createTenant(server.url, name);
  return { server, tenant, biz: client(server.url, tenant.apiKey) };
}

/**
 * Registers the fixture's hooks (call it at the top of a file or a describe): `ready` gets the node, its tenant
 * and client once they are up, and may prepare more before the tests run.
 */
export function tenantNode(ready: (started: TenantNode) => unknown): void {
  let server: TestNode | undefined;
  beforeAll(async () => {
    server = await startTestNode();
    await ready(await withTenant(server));
  });
  afterAll(async () => {
    await server?.close();
    server = undefined;
  });
}
