import type { OrderStatus } from '../../domain/status';

/**
 * A tenant's inbound sources (upstream systems that post signed batches of their events) with the secrets their
 * batches are signed with, and the record of the batches already answered, by `webhook-id`: what makes a repeated
 * delivery return the first answer, also when two copies arrive at once on two nodes.
 */
export interface SourceDirectory {
  createSource(source: Source): Promise<void>;
  /** The tenant's sources, oldest first. */
  listSources(tenantId: string): Promise<Source[]>;
  /** A source of the tenant; another tenant's is simply absent. */
  getSource(tenantId: string, sourceId: string): Promise<Source | null>;
  /** A source by id alone, to check a batch's signature before anything else is known of it. */
  findSource(sourceId: string): Promise<Source | null>;
  /** Changes a source's name and/or status map; null when the tenant has no such source. */
  updateSource(tenantId: string, sourceId: string, changes: SourceChanges): Promise<Source | null>;
  /** Removes a source and its message records; false when the tenant has no such source. */
  deleteSource(tenantId: string, sourceId: string): Promise<boolean>;

  /**
   * Takes the right to process a message: granted when (source, webhook id) has no record yet, or its record is a
   * claim without an answer taken before `claim.staleBefore` (its holder is presumed dead); the record then holds
   * this claim's token. Otherwise the record as it stands: answered, or claimed by someone else and still fresh.
   */
  claimMessage(sourceId: string, webhookId: string, claim: MessageClaim): Promise<ClaimResult>;
  /** Stores the answer of a claimed message, unless the record was answered already. */
  answerMessage(sourceId: string, webhookId: string, token: string, answer: string, at: string): Promise<void>;
  /** Gives up a claim that has no answer (the batch failed), so the sender's retry is processed afresh. */
  releaseMessage(sourceId: string, webhookId: string, token: string): Promise<void>;
  /** Forgets up to `limit` message records claimed before `before`; resolves with how many went. */
  pruneMessages(before: string, limit: number): Promise<number>;

  /**
   * The ids of the tenant's orders with these external ids in one namespace (`NewOrder.externalScope`), in one round
   * trip; external ids not found are left out.
   */
  orderIdsByExternalId(tenantId: string, externalScope: string, externalIds: readonly string[]): Promise<ExternalIdMatch[]>;
}

export interface Source {
  id: string;
  tenant_id: string;
  name: string;
  /** Their code → our status. */
  status_map: Record<string, OrderStatus>;
  /** `whsec_<base64>`: signs the source's batches (Standard Webhooks). Kept as is: verifying needs the key itself. */
  secret: string;
  created_at: string;
  updated_at: string;
}

export interface SourceChanges {
  name?: string;
  status_map?: Record<string, OrderStatus>;
  updated_at: string;
}

export interface MessageClaim {
  /** Unique per claim: only its holder may answer or release it. */
  token: string;
  /** ISO UTC. */
  at: string;
  /** An unanswered claim taken before this (ISO UTC) is stale and may be taken over. */
  staleBefore: string;
}

export type ClaimResult =
  | { kind: 'claimed' }
  /** The message was processed before: its answer, as stored. */
  | { kind: 'answered'; answer: string }
  /** Another request is processing the message right now. */
  | { kind: 'pending' };

export interface ExternalIdMatch {
  external_id: string;
  order_id: string;
}
