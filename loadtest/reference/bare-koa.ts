/**
 * Reference for the HTTP paths: a bare Koa app with one POST route that reads and parses a JSON body (raw-body, as
 * the product does) and answers 204 — no auth, no validation library, no store. Prints { url, pid } when listening.
 * The route is the courier location path, so the load generator's requests are byte for byte the same.
 */
import Router from '@koa/router';
import Koa from 'koa';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import getRawBody from 'raw-body';

const app = new Koa();
const router = new Router();

router.post('/v1/couriers/me/location', async (ctx) => {
  const text = await getRawBody(ctx.req, { limit: 1024 * 1024, encoding: 'utf8' });
  const body = JSON.parse(text) as { lat?: unknown; lng?: unknown };
  if (typeof body.lat !== 'number' || typeof body.lng !== 'number') ctx.throw(400, 'lat and lng must be numbers');
  ctx.status = 204;
});
app.use(router.routes());

const server = http.createServer(app.callback());
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, pid: process.pid })}\n`);
});

const shutdown = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2_000).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
