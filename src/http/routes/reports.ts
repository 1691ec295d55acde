import { pipeline, Readable, Transform } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { ExportRow } from '../../services/report-service';
import type { HttpDeps } from '../deps';
import { paymentReportResponse } from '../payment-schemas';
import { route, type Route } from '../route';
import { exportQuery, summaryQuery, summaryResponse } from '../schemas';

const REPORT_READERS = ['business', 'staff'] as const;

/** API.md "Reports": the CSV columns, in order. */
const CSV_COLUMNS = [
  'id',
  'external_id',
  'status',
  'customer_id',
  'courier_id',
  'created_at',
  'delivered_at',
  'promised_by',
  'on_time',
  'amount_value',
  'amount_currency',
] as const;

type CsvRecord = Record<(typeof CSV_COLUMNS)[number], string>;

// Output chunk size: large enough that per-write costs vanish (32 KiB ≈ 250 rows), small enough to start at once.
const CHUNK_BYTES = 32 * 1024;

/** Reports over the tenant's orders and payments: the summary, the CSV export and the money. */
export function reportRoutes({ reports, logger }: HttpDeps): Route[] {
  return [
    route({
      method: 'get',
      path: '/v1/reports/summary',
      operationId: 'getReportSummary',
      summary:
        'Figures over the orders created in [from, to) (at most 366 days): placed; of those delivered (delivered_at set, ' +
        'including ones returned afterwards), returned and cancelled (their status now); failed attempts (sum); ' +
        'on_time_rate = delivered at or before promised_by ÷ decided, among non-cancelled orders with promised_by, ' +
        'decided = delivered or past promised_by (null when none); delivery_time_s = created_at → delivered_at, ' +
        'nearest-rank p50/p90 (null when none delivered); by_courier (current courier); by_day per UTC date, ' +
        'placed that day and delivered that day',
      roles: REPORT_READERS,
      query: summaryQuery,
      status: 200,
      response: summaryResponse,
      handler: async ({ principal, query }) => {
        const summary = await reports.summary(principal.tenantId, query);
        return { body: { from: query.from, to: query.to, ...summary } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/reports/payments',
      operationId: 'getPaymentReport',
      summary:
        'Money over the payment transactions recorded in [from, to) (at most 366 days), amounts in minor units of the ' +
        "row's currency: by_provider per provider and currency (paid = captures and payments, refunded, count of every " +
        'kind); cash per courier and currency (due = what the orders assigned to it still owe on delivery now, ' +
        'cod_due and neither cancelled nor returned, whatever the range; collected = cod_collected recorded in the ' +
        'range); unmatched = transactions naming no known order. Rows in byte order of provider or courier id, then currency',
      roles: REPORT_READERS,
      query: summaryQuery,
      status: 200,
      response: paymentReportResponse,
      handler: async ({ principal, query }) => ({ body: await reports.payments(principal.tenantId, query) }),
    }),
    route({
      method: 'get',
      path: '/v1/reports/orders.csv',
      operationId: 'exportOrdersCsv',
      summary:
        'Every order matching the GET /v1/orders filters, newest first, as text/csv (streamed): ' +
        CSV_COLUMNS.join(',') +
        '; on_time is true/false once decided (as in the summary), empty otherwise; a field starting with =, +, -, @, ' +
        'tab or CR gets a leading \' (no formulas run in a spreadsheet)',
      roles: REPORT_READERS,
      query: exportQuery,
      status: 200,
      produces: 'text/csv',
      headers: { 'Content-Disposition': 'attachment; filename="orders.csv"' },
      handler: async ({ principal, query }) => {
        const pages = reports.exportOrders(principal.tenantId, query);
        // The first page is read before answering: a store that cannot serve it gets an error answer (503), not
        // a 200 cut short.
        const first = await pages.next();
        const body = pipeline(
          new CsvRecords(first, pages),
          // Customers choose their orders' external ids: a field that a spreadsheet would run as a formula (=, +, -,
          // @, tab, CR first) is written with a leading ' so opening the export never runs it.
          stringify({ header: true, columns: [...CSV_COLUMNS], escape_formulas: true }),
          new Coalesce(),
          (error) => {
            // A client that goes away closes the stream early (and so stops the reads): not a failure.
            if (error && (error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') {
              logger.error({ err: error }, 'CSV export failed mid-stream');
            }
          },
        );
        return {
          body,
          headers: {
            'Content-Type': 'text/csv; charset=utf-8',
            'Content-Disposition': 'attachment; filename="orders.csv"',
          },
        };
      },
    }),
  ];
}

/**
 * The export's CSV records, a store page per read as the response drains (so memory holds about one page and the
 * stream buffers). Destroyed early (the client left), it ends the store's iteration at once, even while a page
 * read is pending, so no further page is read.
 */
class CsvRecords extends Readable {
  private pending: IteratorResult<ExportRow[]> | null;

  constructor(
    first: IteratorResult<ExportRow[]>,
    private readonly pages: AsyncIterator<ExportRow[]>,
  ) {
    super({ objectMode: true });
    this.pending = first;
  }

  override _read(): void {
    if (this.pending) {
      const step = this.pending;
      this.pending = null;
      this.pushPage(step);
      return;
    }
    this.pages.next().then(
      (step) => {
        if (!this.destroyed) this.pushPage(step);
      },
      (error: unknown) => this.destroy(error as Error),
    );
  }

  /** Pushes a whole page: the page is in memory already, and the next is read only once these are drained. */
  private pushPage(step: IteratorResult<ExportRow[]>): void {
    if (step.done) {
      this.push(null);
      return;
    }
    // Nothing pushed, nothing would ask for more: read on (the port promises no empty page; this keeps it safe).
    if (step.value.length === 0) this._read();
    for (const order of step.value) this.push(csvRecord(order));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Ended or failed iterations are already closed; `return` on them is a no-op.
    Promise.resolve(this.pages.return?.()).then(
      () => callback(error),
      (closeError: unknown) => callback(error ?? (closeError as Error)),
    );
  }
}

function csvRecord(order: ExportRow): CsvRecord {
  return {
    id: order.id,
    external_id: order.external_id ?? '',
    status: order.status,
    customer_id: order.customer_id,
    courier_id: order.courier_id ?? '',
    created_at: order.created_at,
    delivered_at: order.delivered_at ?? '',
    promised_by: order.promised_by ?? '',
    // Spelled out: csv-stringify would write a boolean as 1 or nothing.
    on_time: order.on_time === null ? '' : String(order.on_time),
    amount_value: order.amount ? String(order.amount.value) : '',
    amount_currency: order.amount?.currency ?? '',
  };
}

/**
 * Joins the stringifier's output (a chunk per record) into chunks of about {@link CHUNK_BYTES}: a socket write per
 * chunk rather than per row, which is most of the export's cost at HTTP speed.
 */
class Coalesce extends Transform {
  private parts: Buffer[] = [];
  private size = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.size >= CHUNK_BYTES) this.release();
    callback();
  }

  override _flush(callback: () => void): void {
    this.release();
    callback();
  }

  private release(): void {
    if (this.size === 0) return;
    this.push(Buffer.concat(this.parts, this.size));
    this.parts = [];
    this.size = 0;
  }
}
