import { describe, expect, test } from 'bun:test';
import { isMedChatError } from './core/errors';
import type { StateChange } from './core/socket';
import { CLOSE_CODES } from './protocol/close-codes';
import type { EventOf } from './protocol/events';
import { settle } from './testing/fake-server';
import { SESSION_ID, patientMe, setup, staff, waitFor } from './testing/setup';

describe('client connection', () => {
  test('connects, reconnects after a drop and resubscribes from the last seq', async () => {
    const { server, client } = setup();
    const states: StateChange['state'][] = [];
    client.on('state', (e) => states.push(e.state));
    const chat = client.chat(SESSION_ID);
    server.post(SESSION_ID, staff, 'one');
    server.post(SESSION_ID, staff, 'two');
    await waitFor(() => chat.messages.length === 2);
    expect(chat.session?.id).toBe(SESSION_ID);
    expect(server.current?.url).toBe('ws://medchat.test/api/v1/socket?ticket=ticket-1');

    server.current!.kill(CLOSE_CODES.slowConsumer);
    server.post(SESSION_ID, staff, 'three'); // sent while the patient is away
    await waitFor(() => chat.messages.length === 3);
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open']);
    // A new ticket for the reconnect; the token itself never in a URL.
    expect(server.sockets.map((s) => s.url)).toEqual(['ws://medchat.test/api/v1/socket?ticket=ticket-1', 'ws://medchat.test/api/v1/socket?ticket=ticket-2']);
    const subscribes = server.received.filter((f) => f.type === 'subscribe');
    expect(subscribes.map((f) => f.type === 'subscribe' && f.lastSeq)).toEqual([0, 2]);
    expect(chat.messages.map((m) => m.body)).toEqual(['one', 'two', 'three']);
    client.disconnect();
    expect(client.state).toBe('idle');
  });

  test('a fatal close goes offline with an error event, stops reconnecting and fails queued sends', async () => {
    const { server, client } = setup();
    const errors: EventOf<'error'>[] = [];
    client.on('error', (e) => errors.push(e));
    const chat = client.chat(SESSION_ID);
    await waitFor(() => client.state === 'open');
    server.auto = false;
    const sending = chat.send('hello').catch((e: unknown) => e);
    await settle();
    server.current!.kill(CLOSE_CODES.unauthorized);
    const error = await sending;
    expect(client.state).toBe('offline');
    expect(errors.map((e) => e.code)).toEqual(['invalid_token']);
    expect(isMedChatError(error) && error.code).toBe('invalid_token');
    expect(chat.pending).toMatchObject([{ body: 'hello', state: 'failed' }]);
    await settle(20);
    expect(server.sockets.length).toBe(1);

    // Retrying while offline goes over HTTP, with the same clientMsgId.
    server.auto = true;
    const message = await chat.retry(chat.pending[0]!.clientMsgId);
    expect(message.body).toBe('hello');
    expect(chat.pending).toEqual([]);
    expect(chat.messages.map((m) => m.body)).toEqual(['hello']);
  });
});

test('an upgrade refused for a revoked token ends offline instead of retrying forever', async () => {
  const { server, client } = setup();
  const errors: string[] = [];
  client.on('error', (e) => errors.push(e.code));
  client.connect();
  await waitFor(() => client.state === 'open');
  server.revoked = true;
  server.current!.kill(1006);
  await waitFor(() => client.state === 'offline');
  expect(errors).toEqual(['invalid_token']);
  const attempts = server.sockets.length;
  await settle(30);
  expect(server.sockets.length).toBe(attempts);
});

describe('chat', () => {
  test('a refused send rejects with the server code and stays pending as failed until discarded', async () => {
    const { client } = setup();
    const chat = client.chat(SESSION_ID);
    const error = await chat.send('refuse me').catch((e: unknown) => e);
    expect(isMedChatError(error) && error.code).toBe('session_ended');
    expect(chat.pending).toMatchObject([{ body: 'refuse me', state: 'failed', error: { code: 'session_ended' } }]);
    chat.discard(chat.pending[0]!.clientMsgId);
    expect(chat.pending).toEqual([]);
  });

  test('a message appears once even when its broadcast beats its ack, and pending clears', async () => {
    const { server, client } = setup();
    const chat = client.chat(SESSION_ID);
    await waitFor(() => client.state === 'open');
    server.auto = false;
    const sent = chat.send('hi');
    await settle();
    expect(chat.pending).toMatchObject([{ body: 'hi', state: 'sending' }]);
    server.current!.deliver('up', 0);
    expect(server.current!.down.map((f) => JSON.parse(f).type)).toEqual(['message.created', 'ack']);
    server.current!.deliver('down', 0, true); // the broadcast first, and twice
    server.current!.deliver('down', 0);
    expect(chat.messages.map((m) => m.body)).toEqual(['hi']);
    expect(chat.pending).toEqual([]);
    server.current!.deliver('down', 0);
    expect((await sent).seq).toBe(1);
    expect(chat.messages.length).toBe(1);
  });

  test('a gap is filled over HTTP without waiting for a reconnect', async () => {
    const { server, client } = setup();
    const chat = client.chat(SESSION_ID);
    await waitFor(() => client.state === 'open');
    server.auto = false;
    server.post(SESSION_ID, staff, 'one');
    server.post(SESSION_ID, staff, 'two');
    server.current!.drop('down', 0);
    server.current!.deliver('down', 0);
    await waitFor(() => chat.messages.length === 2);
    expect(chat.messages.map((m) => m.body)).toEqual(['one', 'two']);
    expect(server.sockets.length).toBe(1);
  });

  test('history_unavailable reloads the latest page over HTTP and resumes from there', async () => {
    const { server, client } = setup();
    for (const body of ['a', 'b', 'c', 'd']) server.post(SESSION_ID, staff, body);
    server.purged.add(SESSION_ID);
    const chat = client.chat(SESSION_ID);
    await waitFor(() => chat.messages.length === 2);
    expect(chat.messages.map((m) => m.body)).toEqual(['c', 'd']);
    expect(chat.hasOlder).toBe(true);
    server.post(SESSION_ID, staff, 'e');
    await waitFor(() => chat.messages.length === 3);
    expect(chat.messages.map((m) => m.seq)).toEqual([3, 4, 5]);
  });

  test('loadOlder prepends the previous page', async () => {
    const { server, client } = setup();
    for (let i = 1; i <= 5; i++) server.post(SESSION_ID, staff, `m${i}`);
    const chat = client.chat(SESSION_ID);
    await waitFor(() => chat.messages.length === 5);
    expect(await chat.loadOlder()).toBe(false);
  });

  test('typing, read marks and session events', async () => {
    const { server, client } = setup();
    const chat = client.chat(SESSION_ID);
    await waitFor(() => client.state === 'open');
    const socket = server.current!;
    socket.push({ type: 'typing.started', sessionId: SESSION_ID, user: staff });
    socket.push({ type: 'typing.started', sessionId: SESSION_ID, user: { ...staff, id: patientMe.id } }); // self: ignored
    await settle();
    expect(chat.typists).toEqual([staff]);
    server.post(SESSION_ID, staff, 'done typing');
    await settle();
    expect(chat.typists).toEqual([]);

    socket.push({ type: 'read.updated', sessionId: SESSION_ID, userId: staff.id, role: 'employee', seq: 1 });
    socket.push({ type: 'session.ended', session: { ...server.session(SESSION_ID), status: 'ended' } });
    await settle();
    expect(chat.readBy.get(staff.id)).toBe(1);
    expect(chat.session?.status).toBe('ended');

    chat.typing(true);
    chat.typing(true); // throttled
    chat.typing(false);
    await chat.markRead();
    await chat.markRead(); // no move: nothing sent
    await settle();
    expect(server.received.filter((f) => f.type !== 'subscribe').map((f) => f.type)).toEqual(['typing.start', 'typing.stop', 'read']);
  });

  test('without a WebSocket implementation the chat works over HTTP', async () => {
    const { server, client } = setup({ WebSocket: undefined });
    const original = globalThis.WebSocket;
    Object.defineProperty(globalThis, 'WebSocket', { value: undefined, configurable: true, writable: true });
    try {
      server.post(SESSION_ID, staff, 'hi');
      const chat = client.chat(SESSION_ID);
      expect(client.state).toBe('offline');
      await waitFor(() => chat.messages.length === 1);
      await chat.send('over http');
      expect(chat.messages.map((m) => m.body)).toEqual(['hi', 'over http']);
    } finally {
      globalThis.WebSocket = original;
    }
  });

  test('logout forgets the token, closes chats and never sends queued messages as someone else', async () => {
    const { server, client } = setup();
    const chat = client.chat(SESSION_ID);
    await waitFor(() => client.state === 'open');
    server.auto = false;
    const sending = chat.send('private').catch((e: unknown) => e);
    await client.auth.logout().catch(() => undefined);
    expect(client.auth.user).toBeNull();
    expect(client.state).toBe('idle');
    expect(isMedChatError(await sending)).toBe(true);
    expect(server.log(SESSION_ID)).toEqual([]);
    expect(client.chat(SESSION_ID)).not.toBe(chat);
  });
});
