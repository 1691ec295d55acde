/**
 * Sockets per credential (API.md "Limits (more)"): at most 50 sockets at once per credential (token subject or API
 * key) per node, and 20 per tracking link; past that the handshake fails with connect_error "rate_limited". A refused
 * socket takes no slot, and a socket that disconnects gives its slot back.
 */
import { eventually } from '../../support/eventually';
import type { Client } from '../../support/http';
import { placeOrder } from '../../support/orders';
import { closeAllSockets, connectSocket, handshake, type LiveSocket } from '../../support/sockets';
import type { Tenant } from '../../support/tenant';
import { tenantNode } from '../../support/tenant-node';

jest.setTimeout(60_000);

let url: string;
let tenant: Tenant;
let biz: Client;
tenantNode((started) => {
  url = started.server.url;
  tenant = started.tenant;
  biz = started.biz;
});

afterEach(() => closeAllSockets());

const open = (token: string, count: number): Promise<LiveSocket[]> => Promise.all(Array.from({ length: count }, () => connectSocket(url, token)));

/** Waits for a freed slot: a handshake that connects (each refused one in between takes nothing). */
const connectsAgain = (token: string) => eventually(async () => (await handshake(url, token)) === 'connected', 'a freed slot');

describe('sockets per credential', () => {
  it("refuses a staff subject's 51st socket with rate_limited, not another subject's, and a disconnect frees a slot", async () => {
    const token = await tenant.token('staff', 'limits-s1');
    const held = await open(token, 50);
    const refusal = await connectSocket(url, token).then(
      () => null,
      (error: Error & { data?: unknown }) => error,
    );
    expect(refusal?.message).toBe('rate_limited');
    expect(refusal?.data).toMatchObject({ code: 'rate_limited', retry_after: expect.any(Number) });
    // Another subject, and the same subject's token minted anew (one credential: the subject), of the same tenant.
    expect(await handshake(url, await tenant.token('staff', 'limits-s2'))).toBe('connected');
    expect(await handshake(url, await tenant.token('staff', 'limits-s1'))).toBe('rate_limited');
    // Refused handshakes took no slot: one socket closed makes room for exactly one.
    for (let i = 0; i < 5; i++) expect(await handshake(url, token)).toBe('rate_limited');
    held.pop()!.close();
    await connectsAgain(token);
    const last = await connectSocket(url, token);
    expect(await handshake(url, token)).toBe('rate_limited');
    last.close();
  });

  it('holds an API key to 50 sockets', async () => {
    await open(tenant.apiKey, 50);
    expect(await handshake(url, tenant.apiKey)).toBe('rate_limited');
  });

  it("refuses a tracking link's 21st socket, and frees the slot of one that disconnects", async () => {
    const order = await placeOrder(biz, { customer: { id: 'limits-c1' } });
    const held = await open(order.tracking_token, 20);
    expect(await handshake(url, order.tracking_token)).toBe('rate_limited');
    // Another order's link is another credential.
    const other = await placeOrder(biz, { customer: { id: 'limits-c1' } });
    expect(await handshake(url, other.tracking_token)).toBe('connected');
    held.pop()!.close();
    await connectsAgain(order.tracking_token);
  });
});
