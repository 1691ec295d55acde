import { Server } from 'socket.io';
import { rooms } from '../../src/gateways/events';
import type { IoServer } from '../../src/gateways/io';
import { RoomNames } from '../../src/gateways/room-names';

describe('RoomNames', () => {
  let io: IoServer;
  beforeEach(() => {
    io = new Server() as IoServer; // not attached: no engine, no port
  });

  const socket = (id: string) => ({
    join: (room: string | string[]) => io.of('/').adapter.addAll(id, new Set(Array.isArray(room) ? room : [room])),
    leaveAll: () => io.of('/').adapter.delAll(id),
  });

  it('joins sockets to their rooms and holds one name per room, only while the room has sockets', () => {
    const names = new RoomNames(io);
    const a = socket('a');
    const b = socket('b');
    names.join(a, rooms.order('ord_1'), rooms.tenant('ten_1'));
    names.join(b, rooms.order('ord_1'));
    names.join(b, rooms.customer('ten_1', 'cus_1'));
    const adapter = io.of('/').adapter;
    expect([...adapter.rooms.get('order:ord_1')!]).toEqual(['a', 'b']);
    expect([...adapter.sids.get('a')!]).toEqual(['order:ord_1', 'tenant:ten_1']);
    expect(names.size).toBe(3);

    a.leaveAll();
    expect(names.size).toBe(2); // the tenant room emptied; the order room still has b
    b.leaveAll();
    expect(names.size).toBe(0);
    names.close();
  });

  it('stops following the adapter once closed', () => {
    const names = new RoomNames(io);
    names.close();
    expect(io.of('/').adapter.listenerCount('delete-room')).toBe(0);
  });
});
