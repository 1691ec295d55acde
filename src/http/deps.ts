import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import type { CourierService } from '../actors/courier-service';
import type { LoyaltyService } from '../actors/loyalty-service';
import type { OrderService } from '../actors/order-service';
import type { TokenService } from '../auth/token-service';
import type { Metrics } from '../metrics';
import type { Store } from '../store/store';
import type { RateLimit } from './rate-limit';

/** Everything the HTTP layer calls into. */
export interface HttpDeps {
  store: Store;
  orders: OrderService;
  couriers: CourierService;
  loyalty: LoyaltyService;
  tokens: TokenService;
  /** Request budgets, spent by every authenticated route once its caller is known. */
  rateLimit: Pick<RateLimit, 'admit'>;
  metrics: Metrics;
  logger: Logger;
  /** Resolves when every dependency the node needs answers; rejects otherwise (`/readyz`). */
  readiness: () => Promise<void>;
  /** The pages (tracking page, dashboard, their assets and basemap), answered before the API routes. */
  pages?: Middleware;
}
