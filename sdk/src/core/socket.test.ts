import { afterEach, describe, expect, test } from 'bun:test';
import { Socket, type WebSocketConstructor } from './socket';

/** The platform WebSocket, stood in for: the test opens and closes connections by hand. */
class FakeWebSocket {
  static made: FakeWebSocket[] = [];
  readyState = 0;
  onopen: (() => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeWebSocket.made.push(this);
  }
  send() {}
  close() {
    this.readyState = 3;
  }
  opened() {
    this.readyState = 1;
    this.onopen?.();
  }
  dropped() {
    this.readyState = 3;
    this.onclose?.({ code: 1006, reason: '' });
  }
}

const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect();
  FakeWebSocket.made = [];
});

function socket() {
  const s = new Socket({
    url: () => 'ws://clinic.test/api/v1/socket?token=t',
    WebSocket: FakeWebSocket as unknown as WebSocketConstructor,
    // A backoff far longer than the test: only an early retry can reconnect in time.
    reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 },
    ackTimeoutMs: 10_000,
  });
  sockets.push(s);
  return s;
}

describe('reconnecting', () => {
  test('when the browser is back online, it tries again at once instead of waiting out the backoff', () => {
    const s = socket();
    s.connect();
    FakeWebSocket.made[0]!.opened();
    FakeWebSocket.made[0]!.dropped();
    expect(s.state).toBe('reconnecting');
    expect(FakeWebSocket.made).toHaveLength(1);

    globalThis.dispatchEvent(new Event('online'));
    expect(FakeWebSocket.made).toHaveLength(2);
    FakeWebSocket.made[1]!.opened();
    expect(s.state).toBe('open');
  });

  test('connect() while reconnecting also tries at once; back online changes nothing for an open or idle socket', () => {
    const s = socket();
    globalThis.dispatchEvent(new Event('online'));
    expect(s.state).toBe('idle');
    expect(FakeWebSocket.made).toHaveLength(0);

    s.connect();
    FakeWebSocket.made[0]!.opened();
    globalThis.dispatchEvent(new Event('online'));
    expect(FakeWebSocket.made).toHaveLength(1);

    FakeWebSocket.made[0]!.dropped();
    s.connect();
    expect(FakeWebSocket.made).toHaveLength(2);
    expect(s.state).toBe('reconnecting');
  });
});
