import { MetricsDelta, MetricsReading, parsePrometheus } from '../../loadtest/lib/prometheus';
import { Metrics } from '../../src/metrics';

/** The benchmarks read per-event counts from a node's /metrics: the parser must read what prom-client writes. */
describe('reading /metrics in the benchmarks', () => {
  it('sums a counter over its labels, by label and between two readings, from prom-client text', async () => {
    const metrics = new Metrics();
    metrics.redisCommands.inc({ connection: 'publisher' }, 5);
    metrics.alerts.inc({ channel: 'email', outcome: 'sent' }, 2);
    const before = new MetricsReading(parsePrometheus(await metrics.registry.metrics()));

    metrics.redisCommands.inc({ connection: 'publisher' }, 3);
    metrics.redisCommands.inc({ connection: 'queue' }, 4);
    metrics.alerts.inc({ channel: 'email', outcome: 'sent' });
    metrics.alerts.inc({ channel: 'sms', outcome: 'failed' });
    metrics.storeStatements.inc(7);
    metrics.httpDuration.observe({ method: 'POST', route: '/v1/scans', status: '200' }, 0.002);
    const after = new MetricsReading(parsePrometheus(await metrics.registry.metrics()));
    const delta = new MetricsDelta(before, after);

    expect(after.sum('redis_commands_total')).toBe(12);
    expect(after.sum('redis_commands_total', { connection: 'queue' })).toBe(4);
    expect(delta.sum('redis_commands_total')).toBe(7);
    expect(delta.sum('store_statements_total')).toBe(7);
    expect(Object.fromEntries(delta.byLabel('redis_commands_total', 'connection'))).toEqual({ publisher: 3, queue: 4 });
    expect(Object.fromEntries(delta.byLabel('alerts_total', ['channel', 'outcome']))).toEqual({ 'email/sent': 1, 'sms/failed': 1 });
    // A histogram's series are their own names; the bucket label `le` does not leak into the count.
    expect(after.sum('http_request_duration_seconds_count')).toBe(1);
    expect(after.sum('http_request_duration_seconds_bucket', { le: '+Inf' })).toBe(1);
  });

  it('unescapes label values and skips comments', () => {
    const reading = new MetricsReading(
      parsePrometheus(['# HELP x_total a counter', '# TYPE x_total counter', 'x_total{path="a\\"b\\\\c",kind="k"} 2', 'x_total{path="d"} 3 1700000000000', ''].join('\n')),
    );
    expect(reading.sum('x_total')).toBe(5);
    expect(reading.sum('x_total', { path: 'a"b\\c' })).toBe(2);
    expect(reading.byLabel('x_total', 'kind')).toEqual(new Map([['k', 2], ['', 3]]));
  });
});
