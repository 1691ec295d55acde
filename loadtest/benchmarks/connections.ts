import type { Benchmark } from '../lib/types';
export const connections: Benchmark = { name: 'connections', description: 'todo', defaults: {}, target: '', run: async () => ({ metrics: {}, targets: [] }) };
