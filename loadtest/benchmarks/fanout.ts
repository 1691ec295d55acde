import type { Benchmark } from '../lib/types';
export const fanout: Benchmark = { name: 'fanout', description: 'todo', defaults: {}, target: '', run: async () => ({ metrics: {}, targets: [] }) };
