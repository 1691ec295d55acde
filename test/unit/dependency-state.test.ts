import pino from 'pino';
import { DependencyState, isConnectionError } from '../../src/dependency-state';

let logs: Array<Record<string, any>>;
let gauge: number[];
let held: string[];
let outages: string[];
let clock: number;

function redisState(): DependencyState {
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  return new DependencyState({
    dependency: 'redis',
    logger,
    meanwhile: 'pages run; alerts wait',
    upGauge: { set: (_, value) => void gauge.push(value) },
    heldCounter: { inc: ({ what }) => void held.push(what) },
    outageCounter: { inc: ({ dependency }) => void outages.push(dependency) },
    now: () => clock,
  });
}

beforeEach(() => {
  logs = [];
  gauge = [];
  held = [];
  outages = [];
  clock = 1_000_000;
});

describe('DependencyState', () => {
  it('says an outage of several connections once when it starts and once when the last one is back, with what was held', () => {
    const state = redisState();
    expect(state.held('live_updates')).toBe(false); // up: the failure is news, the caller logs it
    state.lost('publisher', 'connect ECONNREFUSED');
    state.lost('worker', 'connect ECONNREFUSED');
    state.lost('publisher', 'connect ECONNREFUSED');
    expect(state.up).toBe(false);
    for (let i = 0; i < 3; i++) expect(state.held('live_updates')).toBe(true);
    expect(state.held('owed_alert')).toBe(true);
    state.regained('publisher');
    expect(state.up).toBe(false);
    clock += 12_340;
    state.regained('worker');
    state.regained('worker');
    expect(state.up).toBe(true);

    expect(logs.map(({ level, msg, connection, down_ms, held: counts }) => ({ level, msg, connection, down_ms, held: counts }))).toEqual([
      { level: 40, msg: 'redis is not reachable: pages run; alerts wait', connection: 'publisher', down_ms: undefined, held: undefined },
      { level: 30, msg: 'redis is back after 12.3 s; held meanwhile: 3 live updates, 1 owed alert', connection: undefined, down_ms: 12_340, held: { live_updates: 3, owed_alert: 1 } },
    ]);
    expect(gauge).toEqual([1, 0, 1]);
    expect(held).toEqual(['live_updates', 'live_updates', 'live_updates', 'owed_alert']);
    expect(outages).toEqual(['redis']);
  });

  it('counts each outage on its own', () => {
    const state = redisState();
    state.lost('publisher', 'reset');
    state.held('live_updates');
    state.regained('publisher');
    state.lost('publisher', 'reset');
    state.regained('publisher');
    expect(logs.filter((line) => line.level === 30).map((line) => line.held)).toEqual([{ live_updates: 1 }, {}]);
    expect(outages).toEqual(['redis', 'redis']);
    expect(logs.at(-1)!.msg).toMatch(/held meanwhile: nothing$/);
  });

  it('tells lost connections from other errors by their code', () => {
    expect(isConnectionError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isConnectionError(new Error('ERR unknown command'))).toBe(false);
    expect(isConnectionError(undefined)).toBe(false);
  });
});
