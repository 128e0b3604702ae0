import { afterEach, describe, expect, test } from 'bun:test';
import { ConnectionError, MedChatError } from './errors';
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

/** Lets a ticket promise settle, so the socket it was asked for is made. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

function socket() {
  const s = new Socket({
    url: async () => 'ws://clinic.test/api/v1/socket?ticket=t',
    WebSocket: FakeWebSocket as unknown as WebSocketConstructor,
    // A backoff far longer than the test: only an early retry can reconnect in time.
    reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 },
    ackTimeoutMs: 10_000,
  });
  sockets.push(s);
  return s;
}

describe('reconnecting', () => {
  test('when the browser is back online, it tries again at once instead of waiting out the backoff', async () => {
    const s = socket();
    s.connect();
    await settle();
    FakeWebSocket.made[0]!.opened();
    FakeWebSocket.made[0]!.dropped();
    expect(s.state).toBe('reconnecting');
    expect(FakeWebSocket.made).toHaveLength(1);

    globalThis.dispatchEvent(new Event('online'));
    await settle();
    expect(FakeWebSocket.made).toHaveLength(2);
    FakeWebSocket.made[1]!.opened();
    expect(s.state).toBe('open');
  });

  test('connect() while reconnecting also tries at once; back online changes nothing for an open or idle socket', async () => {
    const s = socket();
    globalThis.dispatchEvent(new Event('online'));
    await settle();
    expect(s.state).toBe('idle');
    expect(FakeWebSocket.made).toHaveLength(0);

    s.connect();
    await settle();
    FakeWebSocket.made[0]!.opened();
    globalThis.dispatchEvent(new Event('online'));
    await settle();
    expect(FakeWebSocket.made).toHaveLength(1);

    FakeWebSocket.made[0]!.dropped();
    s.connect();
    await settle();
    expect(FakeWebSocket.made).toHaveLength(2);
    expect(s.state).toBe('reconnecting');
  });
});

describe('a URL with a ticket, asked for before every attempt', () => {
  function ticketed(url: () => Promise<string>) {
    const s = new Socket({
      url,
      WebSocket: FakeWebSocket as unknown as WebSocketConstructor,
      reconnect: { initialDelayMs: 1, maxDelayMs: 1 },
      ackTimeoutMs: 10_000,
    });
    sockets.push(s);
    return s;
  }

  test('each connection attempt opens with the URL of its own request', async () => {
    let n = 0;
    const s = ticketed(async () => `ws://clinic.test/api/v1/socket?ticket=t${++n}`);
    s.connect();
    expect(s.state).toBe('connecting');
    await settle();
    FakeWebSocket.made[0]!.opened();
    FakeWebSocket.made[0]!.dropped();
    await settle();
    expect(FakeWebSocket.made.map((w) => w.url)).toEqual(['ws://clinic.test/api/v1/socket?ticket=t1', 'ws://clinic.test/api/v1/socket?ticket=t2']);
  });

  test('a ticket refused with 401 or 403 goes offline with that code, opening no socket', async () => {
    for (const [status, code] of [
      [401, 'unauthorized'],
      [403, 'mfa_setup_required'],
    ] as const) {
      const s = ticketed(() => Promise.reject(new MedChatError({ code, status })));
      const errors: string[] = [];
      s.events.on('error', (e) => errors.push(e.code));
      s.connect();
      await settle();
      expect(s.state).toBe('offline');
      expect(errors).toEqual([code]);
    }
    expect(FakeWebSocket.made).toHaveLength(0);
  });

  test('a ticket request that fails otherwise (no connection, 503) is tried again with the backoff', async () => {
    let calls = 0;
    const s = ticketed(async () => {
      if (++calls <= 2) throw calls === 1 ? new ConnectionError('offline') : new MedChatError({ code: 'database_unavailable', status: 503 });
      return 'ws://clinic.test/api/v1/socket?ticket=t3';
    });
    s.connect();
    await settle();
    await settle();
    expect(calls).toBe(3);
    expect(FakeWebSocket.made.map((w) => w.url)).toEqual(['ws://clinic.test/api/v1/socket?ticket=t3']);
    FakeWebSocket.made[0]!.opened();
    expect(s.state).toBe('open');
  });

  test('a ticket that arrives after disconnect() opens nothing', async () => {
    let give!: (url: string) => void;
    const s = ticketed(() => new Promise((resolve) => (give = resolve)));
    s.connect();
    s.disconnect();
    give('ws://clinic.test/api/v1/socket?ticket=late');
    await settle();
    expect(FakeWebSocket.made).toHaveLength(0);
    expect(s.state).toBe('idle');
  });
});
