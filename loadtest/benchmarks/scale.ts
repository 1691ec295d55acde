import type { Benchmark } from '../lib/types';
export const scale: Benchmark = { name: 'scale', description: 'todo', defaults: {}, target: '', run: async () => ({ metrics: {}, targets: [] }) };
