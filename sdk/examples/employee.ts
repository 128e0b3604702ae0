/**
 * Quick start for an employee (the staff console's flow): sign in, become available, take assigned chats,
 * reply, hand a chat back. `bun sdk/examples/employee.ts http://localhost:3000 dr@clinic.test secret`.
 */
import { MedChat, type MedChatOptions, type SessionHandle } from '@medchat/sdk';

export async function employeeQuickStart(options: MedChatOptions & { email: string; password: string }): Promise<MedChat> {
  const client = new MedChat(options);
  const { user } = await client.auth.login({ email: options.email, password: options.password });
  console.log(`Signed in as ${user.displayName} (${user.role})`);

  await client.employees.setAvailability('available');
  client.connect();

  const open = new Map<string, SessionHandle>();
  client.on('employee.assigned', ({ session }) => {
    const chat = client.chat(session.id);
    open.set(session.id, chat);
    chat.on('message', (m) => {
      if (m.sender?.role === 'patient') void chat.send(`Thanks ${m.sender.displayName}, looking into it.`);
    });
  });
  client.on('employee.unassigned', ({ session }) => {
    open.get(session.id)?.close();
    open.delete(session.id);
  });
  client.on('queue.changed', () => void client.queue.list().then((queue) => console.log(`waiting: ${queue.length}`), console.error));

  // Chats already assigned before this page loaded.
  for (const session of await client.sessions.list({ status: 'active' })) {
    if (session.employee?.id === user.id) open.set(session.id, client.chat(session.id));
  }
  return client;
}

/** Hands a chat back to the queue with a note for whoever takes it next. */
export async function handBack(client: MedChat, sessionId: string): Promise<void> {
  const history = await client.assignments.list(sessionId);
  console.log(`held by ${history.length} employee(s) so far`);
  await client.sessions.leave(sessionId, { note: 'Needs a pharmacist' });
}

if (import.meta.main) {
  const [baseUrl = 'http://localhost:3000', email = 'staff@example.test', password = 'password'] = process.argv.slice(2);
  await employeeQuickStart({ baseUrl, email, password });
}
