import { ExpirySchedule } from './expiry-schedule';
import type { IoSocket, Session } from './session';

/**
 * A socket keeps its rights only as long as its token: it is cut when the token runs out. One timer for the
 * node's sockets, not one per socket.
 */
export class TokenExpiry {
  private readonly schedule: ExpirySchedule<IoSocket>;

  constructor(private readonly now: () => number) {
    this.schedule = new ExpirySchedule((socket) => socket.disconnect(true), now);
  }

  /** Whether the session's token has run out (the timer may be late: a busy loop delays timers). */
  isOver(session: Session): boolean {
    return session.expiresAt !== null && session.expiresAt <= this.now();
  }

  /** Starts watching a socket that just connected; false (and the socket cut) when its token ran out already. */
  watch(socket: IoSocket, session: Session): boolean {
    if (session.expiresAt === null) return true;
    if (this.isOver(session)) {
      socket.disconnect(true);
      return false;
    }
    this.schedule.add(socket, session.expiresAt);
    return true;
  }

  /** Stops watching a socket that is gone. */
  unwatch(socket: IoSocket, session: Session): void {
    if (session.expiresAt !== null) this.schedule.remove(socket, session.expiresAt);
  }

  close(): void {
    this.schedule.close();
  }
}
