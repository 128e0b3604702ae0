import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { eq, sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/database';
import { migrateDatabase, openDatabase, type DatabaseHandle } from './client';
import { prepared } from './prepared';
import { clinics } from './schema';

setDefaultTimeout(60_000);

let database: TestDatabase;
let handle: DatabaseHandle;
beforeAll(async () => {
  database = await createTestDatabase();
  handle = openDatabase({ url: database.url });
  await migrateDatabase(handle);
});
afterAll(async () => {
  await handle.close();
  await database.drop();
});

const insertClinic = prepared((db) =>
  db
    .insert(clinics)
    .values({ name: sql.placeholder('name'), siteKey: sql.placeholder('siteKey'), identitySecret: sql.placeholder('secret') })
    .returning({ id: clinics.id, name: clinics.name, createdAt: clinics.createdAt })
    .prepare('test_insert_clinic'),
);
const clinicNamed = prepared((db) =>
  db
    .select({ id: clinics.id, createdAt: clinics.createdAt })
    .from(clinics)
    .where(eq(clinics.name, sql.placeholder('name')))
    .prepare('test_clinic_named'),
);

test('a prepared query maps its rows as the builder does', async () => {
  const [row] = await insertClinic(handle.db, { name: 'Outside', siteKey: 'outside', secret: 'x' });
  expect(row!.name).toBe('Outside');
  expect(row!.createdAt).toBeInstanceOf(Date);
  expect(await clinicNamed(handle.db, { name: 'Outside' })).toEqual([{ id: row!.id, createdAt: row!.createdAt }]);
});

test('inside a transaction it runs on that transaction: it sees its writes, and a rollback undoes its own', async () => {
  const rolledBack = new Error('roll back');
  await expect(
    handle.db.transaction(async (tx) => {
      await insertClinic(tx, { name: 'Inside', siteKey: 'inside', secret: 'y' });
      // Only the transaction's connection sees the uncommitted row; the pool's others do not.
      expect(await clinicNamed(tx, { name: 'Inside' })).toHaveLength(1);
      if (handle.kind === 'postgres') expect(await clinicNamed(handle.db, { name: 'Inside' })).toHaveLength(0);
      throw rolledBack;
    }),
  ).rejects.toBe(rolledBack);
  expect(await clinicNamed(handle.db, { name: 'Inside' })).toHaveLength(0);
});
