import { createTestDatabase } from './database';
import { startTestServer, type TestServer } from './server';

type Who = { token: string; user: { id: string } };

export interface Instances {
  servers: TestServer[];
  admin: Who;
  close(): Promise<void>;
}

/**
 * Two server instances on one fresh database (the assignment engine's tests on Postgres), with the demo clinic's
 * own staff deactivated, so that only the employees a test creates take sessions.
 */
export async function startInstancesWithoutDemoStaff(): Promise<Instances> {
  const database = await createTestDatabase();
  const servers = [await startTestServer({}, database), await startTestServer({}, database)];
  const admin = await servers[0]!.login('admin@demo.clinic');
  for (const email of ['nurse.joy', 'nurse.sam', 'dr.lee']) {
    const who = await servers[0]!.login(`${email}@demo.clinic`);
    await servers[0]!.call('PATCH', `/api/v1/employees/${who.user.id}`, { token: admin.token, body: { active: false } });
  }
  return {
    servers,
    admin,
    async close() {
      for (const s of servers) await s.close();
      await database.drop();
    },
  };
}
