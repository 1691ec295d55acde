/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The partition tests add and remove network interfaces (namespaces, a bridge), which makes a browser running
  // beside them abort its requests (ERR_NETWORK_CHANGED): they run on their own, after the rest (`npm test`).
  testPathIgnorePatterns: process.env.TEST_PARTITIONS === '1' ? ['/node_modules/'] : ['/node_modules/', '/partitions\\.test\\.ts$'],
  // Type checking runs once in `npm run typecheck`; jest only transpiles.
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  testTimeout: 30000,
  // Integration tests start servers and child processes; two workers fit a 2-core machine.
  maxWorkers: 2,
};
