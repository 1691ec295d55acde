import type { Logger } from 'pino';
import type { CredentialChange } from '../auth/credential-change';
import type { DeviceKeys } from '../auth/device-keys';
import type { InactiveCouriers } from '../auth/inactive-couriers';
import type { RevocationList } from '../auth/revocation-list';
import type { TokenService } from '../auth/token-service';
import type { TenantPrincipal } from '../domain/principal';
import type { CourierRecords } from '../store/couriers/port';
import type { CredentialRevocations } from '../store/credentials/port';
import { tellEveryNode, type IoServer } from './io';
import type { RedisClient } from './redis';
import { sessionOf } from './session';

export interface CredentialBroadcastOptions {
  /** The cluster's Socket.IO server: changes reach the other nodes through its adapter, and its sockets are cut here. */
  io: IoServer;
  /** This node's revoked subjects, which its token service asks. */
  revocations: Pick<RevocationList, 'apply'>;
  /** This node's inactive couriers, which its token service asks. */
  inactiveCouriers: Pick<InactiveCouriers, 'set' | 'mark' | 'replace'>;
  /** This node's token service, whose API key cache a replaced key leaves. */
  tokens: Pick<TokenService, 'forgetApiKeys'>;
  /** This node's device keys, which a removed device's key leaves. */
  deviceKeys: Pick<DeviceKeys, 'forget'>;
  /** Where revocations are kept: read whole at start, then again every `refreshMs` and whenever Redis comes back. */
  store: { credentials: Pick<CredentialRevocations, 'listRevocations'>; couriers: Pick<CourierRecords, 'listInactiveCouriers'> };
  /** The connection the adapter hears the other nodes on: a node that was cut off from it may have missed changes. */
  subscriber?: Pick<RedisClient, 'on' | 'off'>;
  /**
   * How often the store is read again, so a node that missed a message (Redis unreachable when it was sent) still
   * refuses a revoked token within this time.
   * @default 30000
   */
  refreshMs?: number;
  /**
   * How long an announcement waits for the other nodes to say they applied it. Below the adapter's 5 s limit for
   * answers; a node that does not answer in time learns the change from the store within `refreshMs`.
   * @default 3000
   */
  answerWaitMs?: number;
  logger: Logger;
}

/**
 * Credential changes (a subject's tokens revoked, a tenant's API key replaced, a device removed) take effect on every node at once: the
 * node making one applies it, asks every other node through the adapter to apply it and waits for their answers, so
 * when the caller hears "done" no node takes the old credential (HTTP 401) and no socket holding it is left. Each node
 * cuts its own sockets of that credential, found among its own (no room per credential: in the sharded adapter each
 * room costs every node a Redis subscription). Revocations are also re-read from the store every `refreshMs` and when
 * Redis comes back, so a node that missed a message converges within that bound; a replaced API key leaves a node
 * that missed it within its cache's TTL (see `TokenServiceOptions.apiKeyCacheTtlMs`).
 */
export class CredentialBroadcast {
  private readonly refreshMs: number;
  private readonly answerWaitMs: number;
  private timer: NodeJS.Timeout | null = null;
  private readonly onReconnect = () => void this.refreshLogged();

  constructor(private readonly options: CredentialBroadcastOptions) {
    this.refreshMs = options.refreshMs ?? 30_000;
    this.answerWaitMs = options.answerWaitMs ?? 3000;
    if (!(this.refreshMs >= 1)) throw new RangeError('CredentialBroadcast: refreshMs must be >= 1');
    if (!(this.answerWaitMs >= 0 && this.answerWaitMs < 5000)) throw new RangeError('CredentialBroadcast: answerWaitMs must be in [0, 5000)');
    options.io.on('credentials_changed', (change, reply) => {
      this.apply(change);
      if (typeof reply === 'function') reply(true);
    });
  }

  /** Reads the revocations in (before the node serves), then keeps re-reading them. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refreshLogged(), this.refreshMs);
    this.timer.unref();
    this.options.subscriber?.on('ready', this.onReconnect);
  }

  /**
   * Applies a change here and on every other node; resolves once they all said so, or `answerWaitMs` passed (a node
   * that did not answer converges from the store), or Redis could not take the message (likewise, logged).
   */
  async announce(change: CredentialChange): Promise<void> {
    this.apply(change);
    const error = await tellEveryNode(this.options.io, ['credentials_changed', change], this.answerWaitMs);
    if (error) this.options.logger.warn({ err: error, change: change.kind }, 'credential change not confirmed by every node');
  }

  /**
   * Reads every revocation from the store and applies those this node did not hold yet, and the inactive couriers
   * (a node that missed a courier's deactivation or reactivation converges here).
   */
  async refresh(): Promise<void> {
    for (const revocation of await this.options.store.credentials.listRevocations()) {
      this.apply({ kind: 'revoked', revocation });
    }
    const mark = this.options.inactiveCouriers.mark();
    this.options.inactiveCouriers.replace(await this.options.store.couriers.listInactiveCouriers(), mark);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.options.subscriber?.off('ready', this.onReconnect);
  }

  private async refreshLogged(): Promise<void> {
    await this.refresh().catch((error: unknown) => this.options.logger.warn({ err: error }, 'revocations not re-read; retrying later'));
  }

  private apply(change: CredentialChange): void {
    if (change.kind === 'revoked') {
      if (!this.options.revocations.apply(change.revocation)) return;
    } else if (change.kind === 'courier_active') {
      // Reactivation cuts nothing; a deactivation heard twice finds no socket left the second time.
      this.options.inactiveCouriers.set(change.tenantId, change.courierId, change.active);
      if (change.active) return;
    } else if (change.kind === 'device_removed') {
      // A device holds no socket: its key leaving the cache is all there is to do.
      this.options.deviceKeys.forget(change.keyHash);
      return;
    } else {
      this.options.tokens.forgetApiKeys(change.tenantId);
    }
    // Revocations are never lifted, so every socket of the subject here was opened with a token the change refuses
    // (a newer token connecting meanwhile is cut too, and its client connects again).
    for (const socket of this.options.io.of('/').sockets.values()) {
      const session = sessionOf(socket);
      if (session && holds(session.principal, change)) socket.disconnect(true);
    }
  }
}

/** Whether a socket of this principal holds the credential the change takes away. */
function holds(principal: TenantPrincipal, change: Exclude<CredentialChange, { kind: 'device_removed' }>): boolean {
  if (change.kind === 'api_key') return principal.role === 'business' && principal.tenantId === change.tenantId;
  if (change.kind === 'courier_active') return principal.role === 'courier' && principal.tenantId === change.tenantId && principal.subject === change.courierId;
  const { tenant_id, role, subject } = change.revocation;
  return principal.role === role && principal.tenantId === tenant_id && principal.subject === subject;
}
