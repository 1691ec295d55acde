import { keptPromise } from '../domain/order';
import type { PaymentLedger, PaymentReport } from '../store/payments/port';
import type { ExportedOrder, OrderFilter, OrderSearch, ReportRange, ReportSummary } from '../store/search/port';

/** One order as the CSV export lists it, with whether it kept its promise as of the export (see `keptPromise`). */
export type ExportRow = ExportedOrder & { on_time: boolean | null };

export interface ReportServiceOptions {
  store: { search: Pick<OrderSearch, 'reportSummary' | 'exportOrders'>; payments: Pick<PaymentLedger, 'paymentReport'> };
  /** Decides which promises are past. @default the system clock */
  now?: () => Date;
}

/** Reports over a tenant's orders and payments: the summary figures, the export and the money. */
export class ReportService {
  private readonly now: () => Date;

  constructor(private readonly options: ReportServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** The figures over the orders created in `[range.from, range.to)`, as of now. */
  summary(tenantId: string, range: ReportRange): Promise<ReportSummary> {
    return this.options.store.search.reportSummary(tenantId, range, this.now().toISOString());
  }

  /** The money over the transactions recorded in `[range.from, range.to)`, and the cash couriers are still to collect. */
  payments(tenantId: string, range: ReportRange): Promise<PaymentReport> {
    return this.options.store.payments.paymentReport(tenantId, range);
  }

  /**
   * Every order matching `filter`, newest first, a store page at a time as the consumer pulls them. Ending it
   * early (`return`) ends the store's iteration at once, even while a page read is pending, so no further page is
   * read (an async generator here would wait for that read first).
   */
  exportOrders(tenantId: string, filter: OrderFilter): AsyncIterator<ExportRow[]> {
    const nowIso = this.now().toISOString();
    const pages = this.options.store.search.exportOrders(tenantId, filter)[Symbol.asyncIterator]();
    const rows = (step: IteratorResult<ExportedOrder[]>): IteratorResult<ExportRow[]> =>
      step.done
        ? { done: true, value: undefined }
        : { done: false, value: step.value.map((order) => ({ ...order, on_time: keptPromise(order, nowIso) })) };
    return {
      next: async () => rows(await pages.next()),
      return: async () => rows((await pages.return?.()) ?? { done: true, value: undefined }),
    };
  }
}
