import { STATUSES, type OrderStatus } from '../../domain/status';

/** Statuses of orders still under way (not delivered, returned or cancelled). */
export const OPEN_STATUSES: readonly OrderStatus[] = STATUSES.filter(
  (status) => status !== 'delivered' && status !== 'returned' && status !== 'cancelled',
);

/** Statuses during which a courier carries the order (API.md: live positions). */
export const ON_THE_ROAD: readonly OrderStatus[] = ['shipped', 'in_transit', 'out_for_delivery'];

/** The board's status filter: everything, a group, or one status. */
export type StatusChoice = 'all' | 'open' | 'on_the_road' | OrderStatus;

/** The order board's filters; the CSV export uses the same ones. */
export interface BoardFilters {
  q: string;
  status: StatusChoice;
  /** Created on or after this local day (`YYYY-MM-DD`), or ''. */
  from: string;
  /** Created on or before this local day, or ''. */
  to: string;
}

export const NO_FILTERS: BoardFilters = { q: '', status: 'all', from: '', to: '' };

/** The statuses a choice stands for; null: every status. */
export function statusesOf(choice: StatusChoice): readonly OrderStatus[] | null {
  if (choice === 'all') return null;
  if (choice === 'open') return OPEN_STATUSES;
  if (choice === 'on_the_road') return ON_THE_ROAD;
  return [choice];
}

/** Local midnight of a `YYYY-MM-DD` day. */
export function localDay(day: string): Date {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(year!, month! - 1, date!);
}

/** `YYYY-MM-DD` of a date in the viewer's time zone. */
export function dayOf(date: Date): string {
  const pad = (value: number): string => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The query of `GET /v1/orders` (and of the CSV export) for these filters; days are the viewer's. */
export function filterQuery(filters: BoardFilters): URLSearchParams {
  const query = new URLSearchParams();
  const statuses = statusesOf(filters.status);
  if (statuses) query.set('status', statuses.join(','));
  if (filters.from) query.set('created_from', localDay(filters.from).toISOString());
  if (filters.to) {
    const end = localDay(filters.to);
    end.setDate(end.getDate() + 1);
    query.set('created_to', new Date(end.getTime() - 1).toISOString());
  }
  const q = filters.q.trim();
  if (q) query.set('q', q);
  return query;
}

/** Whether any filter narrows the board. */
export function isFiltered(filters: BoardFilters): boolean {
  return filters.q.trim() !== '' || filters.status !== 'all' || filters.from !== '' || filters.to !== '';
}
