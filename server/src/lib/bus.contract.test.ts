/**
 * The bus contract, run against each implementation that carries events between instances: Postgres LISTEN/NOTIFY
 * (on Postgres) and core NATS (against the real server on 127.0.0.1:4222, or NATS_URL). Two buses stand for two
 * instances; the second one's connection runs through a TCP proxy the test can cut. Each must: deliver every event to
 * the other instance once, in publish order; hand the publisher's own handlers each event once, with its in-process
 * payload; send ids only; and after a dropped connection read as not listening, resync once it is back, and hear again.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { connect as connectTcp } from 'node:net';
import postgres from 'postgres';
import { createTestDatabase, onPostgres, type TestDatabase } from '../../../tests/helpers/database';
import { TcpProxy } from '../../../tests/helpers/tcp-proxy';
import { until } from '../../../tests/helpers/until';
import { openDatabase } from '../db/client';
import { type Bus, PostgresBus } from './bus';
import type { BusEvent } from './bus-events';
import { createLogger } from './logger';
import { NatsBus } from './nats-bus';

setDefaultTimeout(60_000);

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const natsUp = await new Promise<boolean>((resolve) => {
  const { hostname, port } = new URL(NATS_URL);
  const socket = connectTcp({ host: hostname, port: Number(port) });
  socket.setTimeout(1000, () => (socket.destroy(), resolve(false)));
  socket.once('connect', () => (socket.destroy(), resolve(true)));
  socket.once('error', () => resolve(false));
});

interface Pair {
  a: Bus;
  b: Bus;
  proxy: TcpProxy;
  close(): Promise<void>;
}

const logger = createLogger('silent');

async function postgresPair(): Promise<Pair> {
  const database: TestDatabase = await createTestDatabase();
  const url = database.url!;
  const { hostname, port } = new URL(url);
  const proxy = await TcpProxy.start({ hostname, port: Number(port) });
  const handles = [openDatabase({ url }), openDatabase({ url })];
  const make = (i: number, listenerUrl: string) => {
    const handle = handles[i]!;
    if (handle.kind !== 'postgres') throw new Error('expected Postgres');
    return new PostgresBus(handle.client, () => postgres(listenerUrl, { max: 1, onnotice: () => {} }), logger, `instance-${i}`, {
      probeIntervalMs: 50,
      probeTimeoutMs: 300,
    });
  };
  const a = make(0, url);
  const b = make(1, proxy.url(url));
  await Promise.all([a.start(), b.start()]);
  return {
    a,
    b,
    proxy,
    async close() {
      await Promise.all([a.stop(), b.stop()]);
      await Promise.all(handles.map((h) => h.close()));
      await proxy.close();
      await database.drop();
    },
  };
}

async function natsPair(): Promise<Pair> {
  const { hostname, port } = new URL(NATS_URL);
  const proxy = await TcpProxy.start({ hostname, port: Number(port) });
  const subject = `medchat.test.${crypto.randomUUID()}`;
  const a = new NatsBus(logger, 'instance-0', { url: NATS_URL, subject, pingIntervalMs: 200 });
  const b = new NatsBus(logger, 'instance-1', { url: proxy.url(NATS_URL).replace(/\/$/, ''), subject, pingIntervalMs: 200 });
  await Promise.all([a.start(), b.start()]);
  return {
    a,
    b,
    proxy,
    async close() {
      await Promise.all([a.stop(), b.stop()]);
      await proxy.close();
    },
  };
}

const created = (session: number, seq: number): BusEvent => ({
  t: 'message.created',
  clinicId: 'clinic',
  sessionId: `session-${session}`,
  seq,
  messages: [
    {
      id: `m${seq}`,
      sessionId: `session-${session}`,
      seq,
      kind: 'text',
      sender: null,
      body: 'in-process only',
      system: null,
      clientMsgId: null,
      createdAt: '',
    },
  ],
});

/** The events a bus's handlers get, in order, and how many resyncs it asked for. */
function record(bus: Bus) {
  const events: BusEvent[] = [];
  let resyncs = 0;
  bus.subscribe((e) => events.push(e));
  bus.onResync(() => resyncs++);
  return { events, resyncs: () => resyncs };
}

const wire = (e: BusEvent) => {
  const { messages: _m, waitedSeconds: _w, ...rest } = e as BusEvent & { messages?: unknown; waitedSeconds?: unknown };
  return rest;
};

/** Every pair a test opened, closed after the file. */
const pairs: Pair[] = [];
afterAll(async () => {
  for (const p of pairs) await p.close();
});

for (const [name, available, makePair] of [
  ['Postgres LISTEN/NOTIFY', onPostgres, postgresPair],
  ['NATS', natsUp, natsPair],
] as const) {
  if (!available) console.warn(`bus contract on ${name}: skipped (${name === 'NATS' ? `no NATS server at ${NATS_URL}` : 'set TEST_DATABASE_URL'})`);

  describe.skipIf(!available)(`the bus contract on ${name}`, () => {
    const open = async () => {
      const pair = await makePair();
      pairs.push(pair);
      return pair;
    };

    test('every event reaches the other instance once, in publish order, with ids only; the publisher gets each once, whole', async () => {
      const { a, b } = await open();
      const fromA = record(a);
      const fromB = record(b);
      const published: BusEvent[] = [];
      for (let seq = 1; seq <= 60; seq++) {
        const batch = [created(1, seq), created(2, seq), created(3, seq)];
        published.push(...batch);
        await a.publish(batch);
      }
      const assigned: BusEvent = {
        t: 'session.assigned',
        clinicId: 'clinic',
        sessionId: 'session-1',
        patientId: 'patient',
        employeeId: 'employee',
        assignmentId: 'assignment',
        reason: 'session_started',
        previousEmployeeId: null,
        waitedSeconds: 3,
      };
      published.push(assigned);
      await a.publish([assigned]);
      await until(() => fromB.events.length >= published.length && fromA.events.length >= published.length, 'every event on both instances');
      expect(fromB.events).toEqual(published.map(wire) as BusEvent[]);
      expect(fromA.events).toEqual(published);
      expect(JSON.stringify(fromB.events)).not.toContain('in-process only');
    });

    test('a dropped connection reads as not listening, then the bus resyncs once it is back and hears again', async () => {
      const { a, b, proxy } = await open();
      const fromB = record(b);
      expect(b.isListening).toBe(true);
      proxy.refuse();
      await until(() => !b.isListening, 'the other instance to see it is not listening');
      // Published while the other instance cannot hear: missed, so it must resync once back.
      await a.publish([created(9, 1)]);
      proxy.restore();
      await until(() => fromB.resyncs() >= 1 && b.isListening, 'a resync and listening again');
      await until(async () => {
        await a.publish([created(9, 2)]);
        return fromB.events.some((e) => e.t === 'message.created' && e.seq === 2);
      }, 'the other instance to hear again');
      expect(a.isListening).toBe(true);
    });
  });
}

describe.skipIf(!natsUp)('NATS: the other side of a drop', () => {
  test('once a dropped instance is back, the others resync too: what it published just before the drop may never have left', async () => {
    const pair = await natsPair();
    pairs.push(pair);
    const { a, b, proxy } = pair;
    const fromA = record(a);
    proxy.refuse();
    await until(() => !b.isListening, 'the dropped instance to see it is not listening');
    proxy.restore();
    await until(() => b.isListening, 'the dropped instance to listen again');
    await until(() => fromA.resyncs() >= 1, 'the instance that never lost its link to resync');
    expect(fromA.events).toEqual([]); // the request to catch up is no event
  });
});
