/**
 * Reference for the push paths: a bare Socket.IO server (no auth, no adapter, no store) in its own process.
 *   - socket `subscribe` { order_id } → joins room `order:<id>`, acks { ok: true }
 *   - POST /emit { order_id, seq } → emits `order_status_update` (the product's payload shape) to that room, 204
 *   - GET /heap → { heap_used_bytes, sockets } (process.memoryUsage().heapUsed, what prom-client's
 *     nodejs_heap_size_used_bytes reports)
 * Prints one JSON line { url, pid } when listening.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

const server = http.createServer();
const io = new Server(server, { serveClient: false });

io.on('connection', (socket) => {
  socket.on('subscribe', (payload: { order_id?: unknown } | undefined, ack: unknown) => {
    const orderId = payload?.order_id;
    if (typeof ack !== 'function') return;
    if (typeof orderId !== 'string') return ack({ ok: false, error: { code: 'validation_failed', message: 'order_id' } });
    void socket.join(`order:${orderId}`);
    ack({ ok: true });
  });
});

server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
  // Socket.IO answers its own path; everything else is ours.
  if (request.url?.startsWith('/socket.io/')) return;
  if (request.method === 'GET' && request.url === '/heap') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ heap_used_bytes: process.memoryUsage().heapUsed, sockets: io.engine.clientsCount }));
    return;
  }
  if (request.method === 'POST' && request.url === '/emit') {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { order_id: string; seq: number };
        io.to(`order:${body.order_id}`).emit('order_status_update', {
          order_id: body.order_id,
          seq: body.seq,
          status: 'in_transit',
          type: 'status',
          scan_type: null,
          occurred_at: new Date().toISOString(),
          location: null,
        });
        response.writeHead(204).end();
      } catch {
        response.writeHead(400).end();
      }
    });
    return;
  }
  response.writeHead(404).end();
});

server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, pid: process.pid })}\n`);
});

const shutdown = (): void => {
  io.close();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
