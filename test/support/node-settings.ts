/** The settings every test node starts with, whether it runs in the test's process or in a process of its own. */

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const JWT_SECRET = 'test-jwt-secret-0123456789-0123456789-abcdef';

/**
 * Request budgets far above anything a test sends: tests hammer one token or address much harder than a person
 * would. The rate-limit tests set their own.
 */
export const UNLIMITED_BUDGETS = { RATE_LIMIT_BUSINESS: '100000000/s', RATE_LIMIT_USER: '100000000/s', RATE_LIMIT_ANON: '100000000/s' };

/** A node on a free port with the suite's fixed credentials and unlimited budgets, keeping its data in `dataDir`. */
export function testNodeSettings(dataDir: string, logLevel: string): Record<string, string> {
  return { PORT: '0', DATA_DIR: dataDir, ADMIN_TOKEN, JWT_SECRET, LOG_LEVEL: logLevel, ...UNLIMITED_BUDGETS };
}
