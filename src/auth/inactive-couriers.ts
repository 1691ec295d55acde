/**
 * The couriers made inactive (API.md "Courier records"), held in memory by every node and asked on every courier
 * token: an inactive courier's tokens are refused, even those minted after it was made inactive. They are few (one
 * per inactive record), kept current by the node's credential broadcast and re-read whole from the store.
 */
export class InactiveCouriers {
  private keys = new Set<string>();
  /** Moves on with every change heard: a store read begun before one must not replace what it brought. */
  private changes = 0;

  /** Takes in one courier's flag (from an announcement); whether it changed anything here. */
  set(tenantId: string, courierId: string, active: boolean): boolean {
    this.changes += 1;
    const key = courierKey(tenantId, courierId);
    if (active) return this.keys.delete(key);
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    return true;
  }

  has(tenantId: string, courierId: string): boolean {
    return this.keys.size > 0 && this.keys.has(courierKey(tenantId, courierId));
  }

  /** A mark to hand to {@link replace} with a store read begun now. */
  mark(): number {
    return this.changes;
  }

  /**
   * Replaces the set with the store's list, read since `mark`; when a change was heard meanwhile the read may predate
   * it, so it is dropped (the next read brings both).
   */
  replace(inactive: ReadonlyArray<{ tenant_id: string; courier_id: string }>, mark: number): void {
    if (mark !== this.changes) return;
    this.keys = new Set(inactive.map((courier) => courierKey(courier.tenant_id, courier.courier_id)));
  }
}

// NUL never appears in an id (text with NUL is refused at the edge), so the parts cannot run into one another.
function courierKey(tenantId: string, courierId: string): string {
  return `${tenantId}\u0000${courierId}`;
}
