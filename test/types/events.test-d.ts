/**
 * Type test of the Socket.IO event maps (checked by `tsc --noEmit`, never run): what the server may emit, what it
 * hears, what nodes tell each other, and what a client sees, as `src/gateways/events.ts` declares them.
 */
import type { Server } from 'socket.io';
import type { Socket as ClientSocket } from 'socket.io-client';
import type { OrderView } from '../../src/domain/order';
import type {
  ClientToServerEvents,
  InterServerEvents,
  OrderStatusUpdate,
  ServerToClientEvents,
  SocketData,
  SubscribeAck,
  UnsubscribeAck,
} from '../../src/gateways/events';
import { expectTrue, type Equal } from './expect-type';

declare const io: Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
declare const client: ClientSocket<ServerToClientEvents, ClientToServerEvents>;
declare const update: OrderStatusUpdate;
declare const order: OrderView;

// Server → client: each event with its own payload.
io.to('order:o1').emit('order_status_update', update);
io.to('order:o1').emit('eta_update', { order_id: 'o1', eta: '2030-01-01T00:00:00.000Z' });
io.to('order:o1').emit('order_arriving', { order_id: 'o1', arriving_at: '2030-01-01T00:00:00.000Z' });
io.to('customer:t1:c1').emit('loyalty_update', { customer_id: 'c1', balance: 10, delta: 10, reason: 'accrual', order_id: 'o1' });
io.to('order:o1').emit('courier_location', { order_id: 'o1', courier_id: 'k1', lat: 1, lng: 2, heading: null, speed: null, at: 'now' });
// @ts-expect-error: an ETA is not a status update
io.to('order:o1').emit('order_status_update', { order_id: 'o1', eta: 'soon' });
// @ts-expect-error: no such event
io.to('order:o1').emit('order_deleted', { order_id: 'o1' });
// @ts-expect-error: a loyalty booking's reason is one of three
io.to('customer:t1:c1').emit('loyalty_update', { customer_id: 'c1', balance: 10, delta: 10, reason: 'gift', order_id: null });

// Client → server: the payloads and the acknowledgements the server must send.
io.on('connection', (socket) => {
  expectTrue<Equal<SocketData['principal']['role'], 'business' | 'staff' | 'courier' | 'customer' | 'tracker'>>();
  expectTrue<Equal<typeof socket.data.principal, SocketData['principal']>>();
  socket.on('subscribe', (payload, ack) => {
    expectTrue<Equal<typeof payload, { order_id: string; since_seq?: number }>>();
    ack({ ok: true, order, missed: [update] });
    ack({ ok: false, error: { code: 'not_found', message: 'order not found' } });
    // @ts-expect-error: a subscription's answer carries the order
    ack({ ok: true, missed: [] });
    // @ts-expect-error: a refusal says why
    ack({ ok: false });
  });
  socket.on('unsubscribe', (payload, ack) => {
    expectTrue<Equal<typeof payload, { order_id: string }>>();
    ack({ ok: true });
  });
  // @ts-expect-error: clients send no such event
  socket.on('order_status_update', () => undefined);
});

// Between nodes.
io.serverSideEmit('orders_erased', ['o1', 'o2']);
io.serverSideEmit('courier_locations', 't1', [], []);
io.serverSideEmit('eta_updates', 't1', [{ order_id: 'o1', eta: 'soon' }]);
// @ts-expect-error: erased orders go as a list
io.serverSideEmit('orders_erased', 'o1');
// @ts-expect-error: locations are per tenant
io.serverSideEmit('courier_locations', [update]);

// The client's side of the same maps.
client.on('order_status_update', (received) => expectTrue<Equal<typeof received, OrderStatusUpdate>>());
client.emit('subscribe', { order_id: 'o1', since_seq: 3 }, (reply) => expectTrue<Equal<typeof reply, SubscribeAck>>());
client.emit('unsubscribe', { order_id: 'o1' }, (reply) => expectTrue<Equal<typeof reply, UnsubscribeAck>>());
// @ts-expect-error: an order is named by order_id
client.emit('subscribe', { id: 'o1' }, () => undefined);
// @ts-expect-error: servers send no such event
client.on('subscribe', () => undefined);
