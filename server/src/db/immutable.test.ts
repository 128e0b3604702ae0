import { afterAll, beforeAll, expect, test, setDefaultTimeout } from 'bun:test';
import { sql } from 'drizzle-orm';
import { createTestApp, guest, type TestApp } from '../../../tests/helpers/app';

// Generous: a loaded 2-core machine is slow (starting the database alone can pass the 5 s hook default).
setDefaultTimeout(60_000);

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

test('messages cannot be updated and audit rows can be neither updated nor deleted', async () => {
  const pat = await guest(t);
  const { body: session } = await t.call('POST', '/api/v1/sessions', { token: pat.token, body: { reason: 'Check' } });
  await t.call('POST', `/api/v1/sessions/${session.id}/messages`, { token: pat.token, body: { clientMsgId: 'a', body: 'original' } });
  expect(await t.ctx.db.execute(sql`update messages set body = 'changed'`).then(() => "changed", () => "refused")).toBe("refused");
  expect(await t.ctx.db.execute(sql`update audit_log set action = 'x'`).then(() => "changed", () => "refused")).toBe("refused");
  expect(await t.ctx.db.execute(sql`delete from audit_log`).then(() => "changed", () => "refused")).toBe("refused");
  const page = await t.call('GET', `/api/v1/sessions/${session.id}/messages`, { token: pat.token });
  expect(page.body.messages.at(-1).body).toBe('original');
});
