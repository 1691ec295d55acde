import { parseSecretsKey, SecretBox, SecretOpenError, type SecretScope } from '../../src/auth/secret-box';

const KEY = Buffer.alloc(32, 1);
const scope: SecretScope = { tenantId: 'ten_a', purpose: 'webhook-secret', recordId: 'wh_1' };

describe('SecretBox', () => {
  const box = SecretBox.withKey(KEY);

  it('seals a value as v1: with a fresh IV each time, and opens it again', () => {
    const first = box.seal('whsec_abc', scope);
    const second = box.seal('whsec_abc', scope);
    expect(first).toMatch(/^v1:[A-Za-z0-9_-]+$/);
    expect(first).not.toContain('whsec_abc');
    expect(first).not.toBe(second);
    expect(box.open(first, scope)).toBe('whsec_abc');
    expect(box.open(second, scope)).toBe('whsec_abc');
    expect(box.open(box.seal('', scope), scope)).toBe('');
    expect(box.open(box.seal('密鑰 مفتاح', scope), scope)).toBe('密鑰 مفتاح');
  });

  it('refuses a sealed value that was altered', () => {
    const sealed = box.seal('whsec_abc', scope);
    const bytes = Buffer.from(sealed.slice(3), 'base64url');
    for (const at of [0, 12, bytes.length - 1]) {
      const tampered = Buffer.from(bytes);
      tampered[at]! ^= 1;
      expect(() => box.open(`v1:${tampered.toString('base64url')}`, scope)).toThrow(SecretOpenError);
    }
    expect(() => box.open('v1:short', scope)).toThrow(SecretOpenError);
  });

  it('refuses another key', () => {
    const sealed = box.seal('whsec_abc', scope);
    expect(() => SecretBox.withKey(Buffer.alloc(32, 2)).open(sealed, scope)).toThrow(SecretOpenError);
  });

  it('refuses another tenant, purpose or record (a copied value does not open elsewhere)', () => {
    const sealed = box.seal('whsec_abc', scope);
    expect(() => box.open(sealed, { ...scope, tenantId: 'ten_b' })).toThrow(SecretOpenError);
    expect(() => box.open(sealed, { ...scope, purpose: 'source-secret' })).toThrow(SecretOpenError);
    expect(() => box.open(sealed, { ...scope, recordId: 'wh_2' })).toThrow(SecretOpenError);
  });

  it('reads plain values as they are, with a key or without', () => {
    expect(box.open('whsec_plain', scope)).toBe('whsec_plain');
    expect(box.open('{"webhook_secret":"x"}', scope)).toBe('{"webhook_secret":"x"}');
    const plain = SecretBox.plain();
    expect(plain.seals).toBe(false);
    expect(plain.seal('whsec_plain', scope)).toBe('whsec_plain');
    expect(plain.open('whsec_plain', scope)).toBe('whsec_plain');
    expect(() => plain.open(box.seal('whsec_abc', scope), scope)).toThrow(SecretOpenError);
  });
});

describe('parseSecretsKey', () => {
  it('takes 32 bytes as hex, base64 or base64url', () => {
    const key = Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7 + 250));
    expect(parseSecretsKey(key.toString('hex'))).toEqual(key);
    expect(parseSecretsKey(key.toString('base64'))).toEqual(key);
    expect(parseSecretsKey(key.toString('base64url'))).toEqual(key);
    expect(parseSecretsKey(` ${key.toString('hex').toUpperCase()} `)).toEqual(key);
  });

  it('refuses anything else', () => {
    for (const bad of ['', 'short', 'ab'.repeat(31), 'ab'.repeat(33), Buffer.alloc(31).toString('base64'), Buffer.alloc(48, 0xff).toString('base64'), 'g'.repeat(64)]) {
      expect(() => parseSecretsKey(bad)).toThrow(RangeError);
    }
  });
});
