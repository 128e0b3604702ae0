import { describe, expect, test } from 'bun:test';
// The server always runs with Elysia loaded, which registers the string formats (uuid) that TypeBox checks.
import 'elysia';
import type { Message } from '@medchat/sdk/protocol';
import { encode, encodeMessageAck, encodeMessageCreated, MAX_FRAME_BYTES, parseFrame } from './frames';

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

describe('the message frames that share one serialization', () => {
  const message: Message = {
    id: '0b0f5b4e-7c39-4a55-9d39-5d5f3c1f9a10',
    sessionId: '7a3f0c2e-1b2d-4e5f-8a9b-0c1d2e3f4a5b',
    seq: 3,
    kind: 'text',
    sender: { id: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f', role: 'patient', displayName: 'Ana "Nana" \u2028 Díaz' },
    body: 'Line one\nline two </script> \u0000-free',
    system: null,
    clientMsgId: 'c-1',
    createdAt: '2026-12-06T10:00:00.000Z',
  };
  test('are the frames encode() writes, byte for byte, each time they are asked for', () => {
    for (let i = 0; i < 2; i++) {
      expect(encodeMessageCreated(message)).toBe(encode({ type: 'message.created', message }));
      expect(encodeMessageAck('r"1', message)).toBe(encode({ type: 'ack', ref: 'r"1', message }));
    }
    expect(JSON.parse(encodeMessageAck('r"1', message))).toEqual({ type: 'ack', ref: 'r"1', message });
  });
});
