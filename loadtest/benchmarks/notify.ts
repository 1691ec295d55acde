import type { Benchmark } from '../lib/types';
export const notify: Benchmark = { name: 'notify', description: 'todo', defaults: {}, target: '', run: async () => ({ metrics: {}, targets: [] }) };
