/**
 * `npm run demo` as a newcomer runs it: it prints the dashboard, an API key, three tracking links and a courier app
 * invite for a round of its own, the fleet moves orders along through the public API, and Ctrl-C stops it cleanly.
 */
import { eventually } from '../../support/eventually';
import { client } from '../../support/http';
import { unique } from '../../support/ids';
import { spawnProcess } from '../../support/node-process';

jest.setTimeout(60_000);

it('prints where to look, keeps the fleet moving, and stops on Ctrl-C', async () => {
  // As a newcomer starts it: no settings but a free port (and a Redis prefix of its own, to keep runs apart).
  const demo = spawnProcess('src/demo/main.ts', { env: { PORT: '0', REDIS_PREFIX: unique('demo') } });
  const { output, waitForLine, exited } = demo;
  try {
    await waitForLine((line) => line.includes('Ctrl-C stops it'), 30_000);
    const dashboard = /Dashboard:\s+(\S+)/.exec(output.join('\n'))![1]!;
    const apiKey = /Sign in with:\s+(\S+)/.exec(output.join('\n'))![1]!;
    const links = output.map((line) => /(\S+\/track\/(ord_[^?]+)\?token=(\S+))/.exec(line)).filter((m) => m !== null);
    expect(links).toHaveLength(3);

    expect((await fetch(dashboard)).status).toBe(200);
    const base = new URL(dashboard).origin;
    const [, , orderId, token] = links[0]!;
    expect((await client(base, token).get(`/v1/orders/${orderId}`)).status).toBe(200);
    expect((await fetch(links[0]![1]!)).status).toBe(200);

    // The courier app's invite signs in once, to a round of three orders (one of them cash on delivery).
    const invite = output.map((line) => /(\S+\/courier\/#invite=(\S+))/.exec(line)).find((m) => m !== null)!;
    expect(new URL(invite[1]!).origin).toBe(base);
    const session = await client(base).post('/v1/courier-sessions', { invite: invite[2] });
    expect(session.status).toBe(201);
    const round = (await client(base, (session.body as { token: string }).token).get('/v1/couriers/me/orders')).body as {
      items: Array<{ payment: { status: string } | null }>;
    };
    expect(round.items).toHaveLength(3);
    expect(round.items.filter((order) => order.payment?.status === 'cod_due')).toHaveLength(1);

    // The fleet works through the public API: orders go out for delivery and couriers report where they are.
    const biz = client(base, apiKey);
    await eventually(async () => {
      const page = (await biz.get('/v1/orders?status=out_for_delivery&limit=200')).body as { items: Array<{ last_location: unknown }> };
      return page.items.some((order) => order.last_location !== null);
    }, 'an order out for delivery with a courier position', 30_000, 250);
  } finally {
    demo.child.kill('SIGINT');
  }
  expect(await exited).toEqual({ code: 0, signal: null });
});
