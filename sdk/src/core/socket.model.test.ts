/**
 * Model-based test of delivery (docs/requirements.md#delivery): a patient chats while a fake transport drops,
 * duplicates and reorders frames in both directions and kills connections. Only the transport is fake.
 *
 * Invariants at every step: the chat's list is gap-free, in seq order, without duplicates, and each message in it
 * is exactly the server's message of that seq. After healing (faults stop, one reconnect): every send resolved
 * once with its stored message, each send is stored exactly once, the chat's list equals the server's list and
 * nothing is left pending.
 */
import { describe, expect, test } from 'bun:test';
import fc from 'fast-check';
import type { SessionHandle } from '../chat';
import type { Message } from '../protocol/models';
import { settle, type FakeServer } from '../testing/fake-server';
import { SESSION_ID, setup, staff, waitFor } from '../testing/setup';

interface Real {
  server: FakeServer;
  chat: SessionHandle;
  sends: { body: string; outcome?: { message?: Message; error?: unknown } }[];
}
type Model = { sends: number };

const checkInvariants = ({ server, chat }: Real) => {
  const log = server.log(SESSION_ID);
  chat.messages.forEach((m, i) => {
    expect(m.seq).toBe(chat.messages[0]!.seq + i);
    expect(m).toEqual(log[m.seq - 1]!);
  });
  const pendingIds = new Set(chat.pending.map((p) => p.clientMsgId));
  for (const m of chat.messages) expect(pendingIds.has(m.clientMsgId ?? '')).toBe(false); // never shown twice
};

const step = (name: string, run: (real: Real) => void | Promise<void>, extra = '') =>
  ({
    check: () => true,
    async run(model: Model, real: Real) {
      await run(real);
      await settle();
      checkInvariants(real);
      void model;
    },
    toString: () => `${name}${extra}`,
  }) satisfies fc.AsyncCommand<Model, Real>;

const send = fc.string({ minLength: 1, maxLength: 8 }).map((body) => ({
  check: () => true,
  async run(model: Model, real: Real) {
    model.sends++;
    const entry: Real['sends'][number] = { body };
    real.sends.push(entry);
    real.chat.send(body).then(
      (message) => {
        expect(entry.outcome).toBeUndefined(); // settles exactly once
        entry.outcome = { message };
      },
      (error: unknown) => (entry.outcome = { error }),
    );
    await settle();
    checkInvariants(real);
  },
  toString: () => `send(${JSON.stringify(body)})`,
}));

const direction = fc.constantFrom('up' as const, 'down' as const);
const peerSend = fc.constant(step('peerSend', ({ server }) => void server.post(SESSION_ID, staff, 'hello from staff')));
// Sends are listed more than once to weigh them against the transport's faults.
const commands = [
  send,
  send,
  send,
  peerSend,
  peerSend,
  fc.tuple(direction, fc.nat(7)).map(([d, i]) => step('deliver', ({ server }) => server.current?.deliver(d, i), `(${d},${i})`)),
  fc.tuple(direction, fc.nat(7)).map(([d, i]) => step('duplicate', ({ server }) => server.current?.deliver(d, i, true), `(${d},${i})`)),
  fc.tuple(direction, fc.nat(7)).map(([d, i]) => step('drop', ({ server }) => server.current?.drop(d, i), `(${d},${i})`)),
  fc.constantFrom(1006, 1001, 4009).map((code) => step('kill', ({ server }) => server.current?.kill(code), `(${code})`)),
  fc.nat(30).map((ms) => step('wait', () => settle(ms), `(${ms})`)),
];

describe('socket delivery under a faulty transport', () => {
  test('each send is stored exactly once and the chat ends equal to the server', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 60, size: 'large' }), async (cmds) => {
        const { server, client } = setup();
        server.auto = false;
        const chat = client.chat(SESSION_ID);
        const real: Real = { server, chat, sends: [] };
        try {
          await fc.asyncModelRun(() => ({ model: { sends: 0 }, real }), cmds);

          // Heal: the transport becomes reliable and the connection is replaced once.
          server.auto = true;
          server.current?.kill(1006);
          const log = server.log(SESSION_ID);
          await waitFor(() => real.sends.every((s) => s.outcome) && chat.messages.length === log.length && chat.pending.length === 0);

          const own = log.filter((m) => m.sender?.role === 'patient');
          expect(own.length).toBe(real.sends.length); // exactly once
          expect(new Set(own.map((m) => m.clientMsgId)).size).toBe(own.length);
          for (const s of real.sends) {
            expect(s.outcome?.error).toBeUndefined();
            expect(s.outcome?.message?.body).toBe(s.body);
            expect(log[s.outcome!.message!.seq - 1]).toEqual(s.outcome!.message!);
          }
          expect(chat.messages).toEqual(log);
          checkInvariants(real);
        } finally {
          client.disconnect();
          chat.close();
        }
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
