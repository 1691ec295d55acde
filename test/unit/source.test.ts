import { statusForCode } from '../../src/domain/source';

describe('statusForCode', () => {
  it("maps the source's own codes only: names of Object.prototype members are codes like any other", () => {
    const map = { PU: 'shipped', constructor: 'delivered' } as const;
    expect(statusForCode(map, 'PU')).toBe('shipped');
    expect(statusForCode(map, 'constructor')).toBe('delivered');
    expect(statusForCode(map, 'toString')).toBeNull();
    expect(statusForCode(map, '__proto__')).toBeNull();
    expect(statusForCode(map, 'pu')).toBeNull();
  });
});
