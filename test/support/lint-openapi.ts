/**
 * Lints the OpenAPI document (`npm run lint:openapi`, part of `npm test`): writes it, as `/openapi.json` answers it,
 * to a temporary file and runs Redocly's linter on it with the rules of `redocly.yaml`. Offline: Redocly sends no
 * usage data and looks for no newer version.
 *   npx tsx test/support/lint-openapi.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { allRoutes } from '../../src/http/app';
import type { HttpDeps } from '../../src/http/deps';
import { buildOpenApi } from '../../src/http/openapi';

// Describing the routes calls none of the services they close over.
const noServices = new Proxy({}, { get: () => undefined }) as HttpDeps;

const directory = mkdtempSync(join(tmpdir(), 'openapi-'));
try {
  const file = join(directory, 'openapi.json');
  writeFileSync(file, JSON.stringify(buildOpenApi(allRoutes(noServices)), null, 2));
  const lint = spawnSync('redocly', ['lint', '--config', resolve(__dirname, '../../redocly.yaml'), file], {
    stdio: 'inherit',
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_NOTIFICATIONS: 'true', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  });
  if (lint.error) {
    const missing = (lint.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw missing ? new Error('redocly is not installed: run npm ci (it is a devDependency)', { cause: lint.error }) : lint.error;
  }
  process.exitCode = lint.status ?? 1;
} finally {
  rmSync(directory, { recursive: true, force: true });
}
