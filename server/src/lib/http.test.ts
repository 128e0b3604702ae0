import { describe, expect, test } from 'bun:test';
import { clientIp } from './http';

const socket = { requestIP: () => ({ address: '10.0.0.1' }) };
const request = (forwardedFor?: string) => new Request('http://localhost/', { headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } });

describe('clientIp', () => {
  test('0 hops (the default): the socket’s address, whatever X-Forwarded-For says', () => {
    expect(clientIp(request('203.0.113.66'), socket, 0)).toBe('10.0.0.1');
    expect(clientIp(request(), socket, 0)).toBe('10.0.0.1');
    expect(clientIp(request('203.0.113.66'), null, 0)).toBeNull();
  });

  test('1 hop: the right-most entry, which the proxy wrote; what the client wrote to its left is ignored', () => {
    expect(clientIp(request('198.51.100.9'), socket, 1)).toBe('198.51.100.9');
    expect(clientIp(request('203.0.113.66, 198.51.100.9'), socket, 1)).toBe('198.51.100.9');
    expect(clientIp(request('1.1.1.1, 2.2.2.2,203.0.113.66 ,  198.51.100.9'), socket, 1)).toBe('198.51.100.9');
  });

  test('2 hops: the second entry from the right (the outer proxy wrote it, the inner one the outer’s address)', () => {
    expect(clientIp(request('203.0.113.66, 198.51.100.9, 10.0.0.2'), socket, 2)).toBe('198.51.100.9');
    expect(clientIp(request('198.51.100.9, 10.0.0.2'), socket, 2)).toBe('198.51.100.9');
    // Fewer entries than proxies: the left-most one.
    expect(clientIp(request('198.51.100.9'), socket, 2)).toBe('198.51.100.9');
  });

  test('several X-Forwarded-For headers count as one list, in order', () => {
    const headers = new Headers();
    headers.append('x-forwarded-for', '203.0.113.66');
    headers.append('x-forwarded-for', '198.51.100.9');
    expect(clientIp(new Request('http://localhost/', { headers }), socket, 1)).toBe('198.51.100.9');
  });

  test('no header, an empty one, or an entry that is not an address: the socket’s address', () => {
    expect(clientIp(request(), socket, 1)).toBe('10.0.0.1');
    expect(clientIp(request(''), socket, 1)).toBe('10.0.0.1');
    expect(clientIp(request('198.51.100.9, not-an-address'), socket, 1)).toBe('10.0.0.1');
    expect(clientIp(request('2001:db8::1'), socket, 1)).toBe('2001:db8::1');
  });
});
