import { describe, expect, test } from 'bun:test';
// The server always runs with Elysia loaded, which registers the string formats (uuid) that TypeBox checks.
import 'elysia';
import { MAX_FRAME_BYTES, parseFrame } from './frames';

const sessionId = '8d3f5c1e-2b4a-4c6d-9e8f-0a1b2c3d4e5f';

describe('parseFrame', () => {
  test('a valid frame', () => {
    const frame = { type: 'unsubscribe' as const, sessionId, ref: 'r1' };
    expect(parseFrame(JSON.stringify(frame))).toEqual({ ok: true, frame });
  });

  test('an empty ref is refused (it would be echoed in errors but never acked), and echoed as it was', () => {
    expect(parseFrame(JSON.stringify({ type: 'unsubscribe', sessionId, ref: '' }))).toMatchObject({ ok: false, code: 'invalid_request', ref: '' });
  });

  test.each([
    ['binary', Buffer.from('{"type":"unsubscribe"}')],
    ['a number', '42'],
    ['null', 'null'],
    ['a string', '"hello"'],
    ['an array', JSON.stringify([{ type: 'unsubscribe', sessionId }])],
    ['broken JSON', '{"type":'],
    ['an unknown type', JSON.stringify({ type: 'ping', ref: 'x' })],
    ['a wrong field type', JSON.stringify({ type: 'read', sessionId, seq: '1', ref: 'x' })],
  ])('%s is invalid_request, never a throw', (_name, raw) => {
    expect(parseFrame(raw)).toMatchObject({ ok: false, code: 'invalid_request' });
  });

  test('over the frame limit is payload_too_large', () => {
    const big = { type: 'message.send', sessionId, clientMsgId: 'x', body: 'x'.repeat(MAX_FRAME_BYTES) };
    expect(parseFrame(JSON.stringify(big))).toMatchObject({ ok: false, code: 'payload_too_large' });
  });
});
