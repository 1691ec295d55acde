import type { Benchmark } from '../lib/types';
export const location: Benchmark = { name: 'location', description: 'todo', defaults: {}, target: '', run: async () => ({ metrics: {}, targets: [] }) };
