import type { IoServer } from './io';

/**
 * One string per room of this node, shared by every socket in it. Socket.IO keeps each socket's rooms by the name
 * it joined with, so a name built for each socket (`order:<id>`, `tenant:<id>`: 40-60 bytes) would be kept once per
 * socket; joined through here, it is kept once per room. A name is dropped when its room empties (the adapter's
 * `delete-room`), so the table holds no more names than the node has rooms.
 */
export class RoomNames {
  private readonly names = new Map<string, string>();
  private readonly onDeleteRoom: (room: string) => void;

  constructor(private readonly io: IoServer) {
    this.onDeleteRoom = (room) => {
      this.names.delete(room);
    };
    io.of('/').adapter.on('delete-room', this.onDeleteRoom);
  }

  /**
   * Puts the socket in the rooms, under their shared names. The adapter creates a room on its first join,
   * synchronously: every name taken here has its room until the room's `delete-room` drops it.
   */
  join(socket: { join(rooms: string | string[]): unknown }, ...rooms: string[]): void {
    const shared = rooms.map((room) => this.shared(room));
    void socket.join(shared.length === 1 ? shared[0]! : shared);
  }

  /** Names held (for tests). */
  get size(): number {
    return this.names.size;
  }

  close(): void {
    this.io.of('/').adapter.off('delete-room', this.onDeleteRoom);
    this.names.clear();
  }

  private shared(room: string): string {
    const known = this.names.get(room);
    if (known !== undefined) return known;
    this.names.set(room, room);
    return room;
  }
}
