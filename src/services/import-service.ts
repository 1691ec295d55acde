import { DomainError, ValidationError, type FieldIssue } from '../domain/errors';
import type { PlaceOrderInput } from '../domain/placement';
import type { Principal } from '../domain/principal';
import type { OrderService } from './order-service';

export interface ImportError {
  code: string;
  message: string;
  details?: FieldIssue[];
}

/** One line of an import as read and validated: a placement, or what was wrong with it. */
export type ImportLine =
  | {
      /** 1-based, as the file counts its lines (blank lines skipped but counted). */
      line: number;
      input: PlaceOrderInput;
      /** A hash of the line as sent: what a per-line idempotency key is bound to (a changed line is a conflict). */
      requestHash: string;
    }
  | { line: number; error: ImportError };

export type ImportResult =
  | { line: number; outcome: 'created' | 'existing'; id: string }
  | { line: number; outcome: 'rejected'; error: ImportError };

export interface ImportServiceOptions {
  orders: Pick<OrderService, 'place'>;
  /**
   * Placements in flight at once. The embedded store commits all the writes of one event-loop turn in one
   * transaction, so this is also about how many placements share an fsync; PostgreSQL runs them on its pool.
   * @default 64
   */
  concurrency?: number;
}

/**
 * Bulk import (`POST /v1/orders/import`): every line placed exactly as `POST /v1/orders` would place it, with
 * bounded concurrency, and answered on its own. A repeated `external_id` is `existing` (within the file the first
 * line with it places the order, the later ones wait for it); a line that fails is `rejected` with its error and the
 * others go in.
 */
export class ImportService {
  private readonly orders: ImportServiceOptions['orders'];
  private readonly concurrency: number;

  constructor(options: ImportServiceOptions) {
    this.orders = options.orders;
    this.concurrency = options.concurrency ?? 64;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) throw new RangeError('ImportService: concurrency must be a whole number >= 1');
  }

  /**
   * Places every valid line; one result per line, in input order. With `idempotencyKey`, each line is placed under
   * the key `import:<key>:<line>` bound to the line's hash, so running the same file again under the same key answers
   * `existing` for every line it created, those without an `external_id` too.
   */
  async importOrders(
    principal: Extract<Principal, { role: 'business' }>,
    lines: readonly ImportLine[],
    idempotencyKey: string | null,
  ): Promise<ImportResult[]> {
    const results: ImportResult[] = new Array(lines.length);
    // The placement of the latest line with each external id: lines sharing one are placed one after the other, in
    // line order, so the first of them is the one `created` (or, should it fail, the next one).
    const latestWith = new Map<string, Promise<void>>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < lines.length) {
        const index = next++;
        const item = lines[index]!;
        if ('error' in item) {
          results[index] = { line: item.line, outcome: 'rejected', error: item.error };
          continue;
        }
        const externalId = item.input.external_id;
        const earlier = externalId === undefined ? undefined : latestWith.get(externalId);
        const placing = (async () => {
          await earlier;
          results[index] = await this.placeLine(principal, item, idempotencyKey);
        })();
        if (externalId !== undefined) latestWith.set(externalId, placing);
        await placing;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, lines.length) }, worker));
    return results;
  }

  private async placeLine(
    principal: Extract<Principal, { role: 'business' }>,
    item: Extract<ImportLine, { input: PlaceOrderInput }>,
    idempotencyKey: string | null,
  ): Promise<ImportResult> {
    const idempotency = idempotencyKey === null ? null : { key: `import:${idempotencyKey}:${item.line}`, requestHash: item.requestHash };
    try {
      const { order, created } = await this.orders.place(principal, item.input, idempotency);
      return { line: item.line, outcome: created ? 'created' : 'existing', id: order.id };
    } catch (error) {
      // A typed failure is this line's answer (a store outage included: the line says so, and the rest carry on);
      // anything else is a bug and fails the request.
      if (!(error instanceof DomainError)) throw error;
      return {
        line: item.line,
        outcome: 'rejected',
        error: { code: error.code, message: error.message, ...(error instanceof ValidationError ? { details: error.details } : {}) },
      };
    }
  }
}
