import type { RevocableRole, Revocation } from '../store/credentials/port';

/**
 * The revoked token subjects, held in memory by every node (they are few: one per subject ever revoked) and asked on
 * every token. Revocations only ever move on: a subject's time is the latest this node has heard of, from a message
 * or from the store, so learning the same revocation twice, or out of order, changes nothing.
 */
export class RevocationList {
  /** By subject key, the epoch ms before which its tokens are refused. */
  private readonly before = new Map<string, number>();

  /** Takes a revocation in; whether it changed anything (a subject new here, or a later time). */
  apply(revocation: Revocation): boolean {
    const key = subjectKey(revocation.tenant_id, revocation.role, revocation.subject);
    const before = Date.parse(revocation.before);
    if (!Number.isFinite(before) || before <= (this.before.get(key) ?? -Infinity)) return false;
    this.before.set(key, before);
    return true;
  }

  /**
   * Whether a token of this subject issued at `issuedAtMs` is refused: issued at or before its revocation's
   * millisecond (a revocation answers only once that millisecond is over, so a token minted after it works).
   */
  refuses(tenantId: string, role: RevocableRole, subject: string, issuedAtMs: number): boolean {
    const before = this.before.get(subjectKey(tenantId, role, subject));
    return before !== undefined && issuedAtMs <= before;
  }
}

// NUL never appears in an id (text with NUL is refused at the edge), so the parts cannot run into one another.
function subjectKey(tenantId: string, role: RevocableRole, subject: string): string {
  return `${tenantId}\u0000${role}\u0000${subject}`;
}
