/**
 * The connection goes to the address that was checked (address.ts, dispatcher.ts `send`): a host name is resolved
 * once, every address it gave must be public, and the request connects to that address, whatever the name resolves
 * to by then (DNS rebinding). Host names under `.test` exist in no DNS, so a request that reaches anything here went
 * through the resolver these tests pass in: if the runtime ignored the pinned `lookup`, the first test fails.
 */
import { afterAll, expect, test } from 'bun:test';
import { Webhook } from 'standardwebhooks';
import { type ResolvedAddress, resolveTarget, type TargetPolicy } from './address';

const strict: TargetPolicy = { allowPrivate: false, allowHttp: false };
const loose: TargetPolicy = { allowPrivate: true, allowHttp: true };
import { send } from './dispatcher';

const secret = `whsec_${Buffer.from('a test secret of enough length!!').toString('base64')}`;
const received: Array<{ host: string | null; verified: boolean }> = [];
const receiver = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  fetch: async (req) => {
    const body = await req.text();
    let verified = true;
    try {
      new Webhook(secret).verify(body, Object.fromEntries(req.headers));
    } catch {
      verified = false;
    }
    received.push({ host: req.headers.get('host'), verified });
    return new Response('ok');
  },
});
/** Counts TCP connections, whatever is sent on them (a TLS hello to a plain listener is still a connection). */
let connections = 0;
const listener = Bun.listen({
  hostname: '127.0.0.1',
  port: 0,
  socket: {
    open(socket) {
      connections++;
      socket.end();
    },
    data() {},
  },
});
afterAll(() => {
  receiver.stop(true);
  listener.stop(true);
});

const loopback: ResolvedAddress = { address: '127.0.0.1', family: 4 };
const target = (url: string) => ({ url, secret, previous_secret: null });

test('the request connects to the resolved address, with the URL’s host name in the Host header', async () => {
  const calls: string[] = [];
  const resolve = async (host: string) => {
    calls.push(host);
    return [loopback];
  };
  const a = await send(target(`http://hooks.medchat.test:${receiver.port}/in`), crypto.randomUUID(), '{"type":"x"}', { policy: loose, resolve });
  expect(a).toMatchObject({ ok: true, status: 200, error: null });
  expect(calls).toEqual(['hooks.medchat.test']);
  expect(received.at(-1)).toEqual({ host: `hooks.medchat.test:${receiver.port}`, verified: true });
});

test('a host name that answers public to the check and private to the connection is never reached', async () => {
  const before = connections;
  let asked = 0;
  // TEST-NET-3: public by the rules, routed nowhere; then loopback, where the listener counts connections.
  const rebinding = async (): Promise<ResolvedAddress[]> => (asked++ === 0 ? [{ address: '203.0.113.7', family: 4 }] : [loopback]);
  const a = await send(target(`https://rebind.medchat.test:${listener.port}/in`), crypto.randomUUID(), '{}', {
    policy: strict,
    timeoutMs: 300,
    resolve: rebinding,
  });
  expect(a.ok).toBe(false);
  expect(a.error === 'timeout' || a.error === 'connection failed').toBe(true);
  expect(asked).toBe(1);
  await Bun.sleep(50);
  expect(connections).toBe(before);
  // The same name answering loopback from the start is refused before any connection.
  const direct = await send(target(`https://rebind.medchat.test:${listener.port}/in`), crypto.randomUUID(), '{}', {
    policy: strict,
    resolve: async () => [loopback],
  });
  expect(direct.error).toBe('refused: private address');
  expect(connections).toBe(before);
});

test('one private address among public ones refuses the host; an unknown host is refused', async () => {
  const mixed = async (): Promise<ResolvedAddress[]> => [
    { address: '203.0.113.7', family: 4 },
    { address: '10.0.0.5', family: 4 },
  ];
  expect(await resolveTarget('https://mixed.medchat.test/x', strict, mixed)).toEqual({ refused: 'private address' });
  expect(await resolveTarget('https://none.medchat.test/x', strict, async () => [])).toEqual({ refused: 'host not found' });
  expect(
    await resolveTarget('https://gone.medchat.test/x', strict, async () => {
      throw new Error('ENOTFOUND');
    }),
  ).toEqual({ refused: 'host not found' });
  const ok = await resolveTarget('https://ok.medchat.test/x', strict, async () => [{ address: '2606:4700::1111', family: 6 }]);
  expect(ok).toMatchObject({ address: { address: '2606:4700::1111', family: 6 } });
});
