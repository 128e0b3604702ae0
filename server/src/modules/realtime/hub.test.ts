/**
 * The hub's fan-out of typing and read receipts, with a database that counts what is asked of it: an instance
 * where nobody else follows the session does no work at all (typing events come many times a second per chat),
 * and one where the patient has a socket sends them the frame, naming the author.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import type { Role, ServerEvent } from '@medchat/sdk/protocol';
import { guest, login, useTestApp } from '../../../../tests/helpers/app';
import type { AppContext } from '../../context';
import type { BusEvent } from '../../lib/bus-events';
import { Hub, type Conn } from './hub';

setDefaultTimeout(60_000);

const t = useTestApp();
let hub: Hub;
let reads = 0;
let patientId: string;
let nurse: { id: string; displayName: string };
let clinicId: string;
const sessionId = crypto.randomUUID();

beforeAll(async () => {
  const ctx = t.ctx;
  // Every use of the database through this hub counts.
  const db = new Proxy(ctx.db, {
    get(target, key, receiver) {
      reads++;
      return Reflect.get(target, key, receiver);
    },
  });
  hub = new Hub({ ...ctx, db } as AppContext);
  const patient = await guest(t, 'Typing Patient');
  patientId = patient.user.id;
  const joy = await login(t, 'nurse.joy@demo.clinic');
  nurse = { id: joy.user.id, displayName: (await t.call('GET', '/api/v1/auth/me', { token: joy.token })).body.displayName };
  clinicId = (await t.call('GET', '/api/v1/auth/me', { token: joy.token })).body.clinicId;
});
afterAll(() => hub?.stop());

/** A socket of this instance that records the frames it is sent. */
function socketOf(id: string, role: Role) {
  const frames: ServerEvent[] = [];
  const conn: Conn = {
    id: crypto.randomUUID(),
    actor: { id, clinicId, role, displayName: 'x', tokenHash: crypto.randomUUID(), mfaPending: false },
    socket: { send: (data) => (frames.push(JSON.parse(data)), data.length), close: () => {} },
    subs: new Map(),
    closed: false,
    outbox: null,
    outboxSize: 0,
  };
  return { conn, frames };
}

/** Publishes on the instance's bus, then lets the hub finish and flush its sockets. */
async function publish(events: BusEvent[]) {
  reads = 0;
  await t.ctx.bus.publish(events);
  await hub.idle();
  await new Promise((resolve) => setImmediate(resolve));
}

const typing = (): BusEvent => ({ t: 'typing', clinicId, sessionId, patientId, userId: nurse.id, isTyping: true });
const read = (): BusEvent => ({ t: 'read.updated', clinicId, sessionId, patientId, userId: nurse.id, seq: 3 });

describe('typing and read receipts', () => {
  test('with no socket here that follows the session, nothing is read from the database', async () => {
    // Sockets of others here (another patient, and the author themselves) do not make an audience.
    const other = socketOf(crypto.randomUUID(), 'patient');
    const author = socketOf(nurse.id, 'employee');
    hub.add(other.conn);
    hub.add(author.conn);
    try {
      await publish([typing(), read()]);
      expect(reads).toBe(0);
      expect([...other.frames, ...author.frames]).toEqual([]);
    } finally {
      hub.remove(other.conn);
      hub.remove(author.conn);
    }
  });

  test("the patient's socket gets both frames, naming the employee", async () => {
    const patient = socketOf(patientId, 'patient');
    hub.add(patient.conn);
    try {
      await publish([typing(), read()]);
      expect(patient.frames).toEqual([
        { type: 'typing.started', sessionId, user: { id: nurse.id, role: 'employee', displayName: nurse.displayName } },
        { type: 'read.updated', sessionId, userId: nurse.id, role: 'employee', seq: 3 },
      ]);
      expect(reads).toBeGreaterThan(0);
    } finally {
      hub.remove(patient.conn);
    }
  });
});
