import type { Benchmark } from '../lib/types';
export const status: Benchmark = { name: 'status', description: 'todo', defaults: {}, target: '', run: async () => ({ metrics: {}, targets: [] }) };
