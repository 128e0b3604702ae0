import { describe, expect, test } from 'bun:test';
import { Secret } from 'otpauth';
import { newTotpSecret, totpCode, totpUri, verifyTotp } from './totp';

// The contract the TOTP library is held to. RFC 6238 appendix B, SHA-1: the secret is the ASCII
// "12345678901234567890" (GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ in base32, as stored); its codes have 8 digits, the last 6
// of which are the 6-digit code (the value is taken modulo 10^digits).
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const RFC_VECTORS: Array<[seconds: number, code: string]> = [
  [59, '287082'],
  [1111111109, '081804'],
  [1111111111, '050471'],
  [1234567890, '005924'],
  [2000000000, '279037'],
  [20000000000, '353130'],
];

describe('TOTP', () => {
  test('the RFC 6238 test vectors', async () => {
    for (const [seconds, code] of RFC_VECTORS) expect(await totpCode(RFC_SECRET, Math.floor(seconds / 30))).toBe(code);
  });

  test('secrets are read as base32 (RFC 4648 vectors, no padding), as they were stored before the library', () => {
    const vectors: Array<[string, string]> = [
      ['f', 'MY'],
      ['fo', 'MZXQ'],
      ['foo', 'MZXW6'],
      ['foob', 'MZXW6YQ'],
      ['fooba', 'MZXW6YTB'],
      ['foobar', 'MZXW6YTBOI'],
    ];
    for (const [plain, encoded] of vectors) {
      expect(Secret.fromBase32(encoded).latin1).toBe(plain);
      expect(Secret.fromLatin1(plain).base32).toBe(encoded);
    }
    expect(Secret.fromLatin1('12345678901234567890').base32).toBe(RFC_SECRET);
  });

  test('a code is accepted for its step and the one on each side, and says which step it was', async () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const now = 1_750_000_000_000;
    const step = Math.floor(now / 30_000);
    expect(await verifyTotp(secret, await totpCode(secret, step), now)).toBe(step);
    expect(await verifyTotp(secret, await totpCode(secret, step - 1), now)).toBe(step - 1);
    expect(await verifyTotp(secret, await totpCode(secret, step + 1), now)).toBe(step + 1);
    expect(await verifyTotp(secret, await totpCode(secret, step - 2), now)).toBeNull();
    expect(await verifyTotp(secret, await totpCode(secret, step + 2), now)).toBeNull();
  });

  test('anything but six digits is refused before any work', async () => {
    const secret = newTotpSecret();
    for (const code of ['', '12345', '1234567', '12345a', ' 123456', '１２３４５６']) expect(await verifyTotp(secret, code)).toBeNull();
  });

  test('the otpauth address names the issuer and account, and carries the secret', () => {
    const uri = new URL(totpUri('JBSWY3DPEHPK3PXP', 'Demo Clinic', 'nurse.joy@demo.clinic'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Demo Clinic:nurse.joy@demo.clinic');
    expect(uri.searchParams.get('secret')).toBe('JBSWY3DPEHPK3PXP');
    expect(uri.searchParams.get('issuer')).toBe('Demo Clinic');
  });
});
