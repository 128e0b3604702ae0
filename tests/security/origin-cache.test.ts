/**
 * A clinic's change of allowed origins applies on every instance at once: two instances on one database (two
 * processes' worth of apps: on Postgres each with its own pool and LISTEN connection, on the embedded database
 * sharing the in-process bus), each with its own cache of origins. An admin changes the origins on A; B answers
 * CORS by the new list as soon as the bus delivers `clinic.changed`, not after a cache lifetime. Changes of settings
 * and of the identity secret publish the event too.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { createApp, type App } from '../../server/src/app';
import type { AppContext } from '../../server/src/context';
import type { BusEvent } from '../../server/src/lib/bus-events';
import { closeContext, createContext } from '../../server/src/runtime';
import { login, useTestApp } from '../helpers/app';
import { onPostgres } from '../helpers/database';
import { until } from '../helpers/until';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

const NEW_ORIGIN = 'https://new-site.example';
/** Far below the old cache's 10 s, far above a NOTIFY's few milliseconds on a loaded machine. */
const BUS_DELIVERY_MS = 2_000;

let ctxB: AppContext;
let appB: App;
let admin: string;
let patient: string;

// Instance B closes first: hooks run in the order they are registered, and A's database is dropped when A closes.
afterAll(async () => {
  if (onPostgres && ctxB) await closeContext(ctxB);
});
const a = useTestApp();
beforeAll(async () => {
  ctxB = onPostgres ? await createContext({ ...a.ctx.config }, a.ctx.logger) : { ...a.ctx };
  appB = createApp(ctxB);
  admin = (await login(a, 'admin@demo.clinic')).token;
  patient = (await a.call('POST', '/api/v1/auth/guest', { body: { siteKey: 'demo', displayName: 'Pat' } })).body.token;
});

/** What instance B answers a page on NEW_ORIGIN: an actual request with the patient's token, and a preflight. */
async function bAllows(): Promise<{ request: boolean; preflight: boolean }> {
  const request = await appB.handle(new Request('http://localhost/api/v1/auth/me', { headers: { origin: NEW_ORIGIN, authorization: `Bearer ${patient}` } }));
  const preflight = await appB.handle(
    new Request('http://localhost/api/v1/auth/guest', { method: 'OPTIONS', headers: { origin: NEW_ORIGIN, 'access-control-request-method': 'POST' } }),
  );
  return {
    request: request.headers.get('access-control-allow-origin') === NEW_ORIGIN,
    preflight: preflight.headers.get('access-control-allow-origin') === NEW_ORIGIN,
  };
}

async function setOrigins(origins: string[]) {
  const res = await a.call('PATCH', '/api/v1/clinic/settings', { token: admin, body: { allowedOrigins: origins } });
  expect(res.status).toBe(200);
}

describe('allowed origins across instances', () => {
  test('an origin allowed on A is allowed on B within the bus delivery, and removed the same way', async () => {
    const before = (await a.call('GET', '/api/v1/clinic/settings', { token: admin })).body.allowedOrigins as string[];
    // B has read and cached the list without the new origin.
    expect(await bAllows()).toEqual({ request: false, preflight: false });

    await setOrigins([...before, NEW_ORIGIN]);
    const added = Date.now();
    await until(
      async () => {
        const b = await bAllows();
        return b.request && b.preflight;
      },
      'B to allow the new origin',
      BUS_DELIVERY_MS,
    );
    const took = Date.now() - added;

    await setOrigins(before);
    await until(
      async () => {
        const b = await bAllows();
        return !b.request && !b.preflight;
      },
      'B to refuse the removed origin',
      BUS_DELIVERY_MS,
    );
    expect(took).toBeLessThan(BUS_DELIVERY_MS);
  });

  test('a change of settings or of the identity secret on A reaches B as clinic.changed', async () => {
    const seen: BusEvent[] = [];
    const stop = ctxB.bus.subscribe((e) => void (e.t === 'clinic.changed' && seen.push(e)));
    try {
      const clinicId = (await a.call('GET', '/api/v1/clinic/settings', { token: admin })).body.id;
      expect((await a.call('PATCH', '/api/v1/clinic/settings', { token: admin, body: { graceSeconds: 45 } })).status).toBe(200);
      await until(() => seen.length === 1, 'the settings change on B', BUS_DELIVERY_MS);
      expect((await a.call('POST', '/api/v1/clinic/identity-secret', { token: admin })).status).toBe(200);
      await until(() => seen.length === 2, 'the secret rotation on B', BUS_DELIVERY_MS);
      expect(seen).toEqual([
        { t: 'clinic.changed', clinicId },
        { t: 'clinic.changed', clinicId },
      ]);
    } finally {
      stop();
    }
  });
});
