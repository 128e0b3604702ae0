/**
 * An admin's tasks with `@medchat/sdk/admin`: turn the away timeout on and the first-reply deadline off, save last
 * week's report as CSV, register a webhook (keep its secret) and check its delivery log.
 * `bun sdk/examples/admin.ts http://localhost:3000 admin@clinic.test secret https://records.example/medchat`.
 */
import { MedChat, type MedChatOptions } from '@medchat/sdk';
import { MedChatAdmin } from '@medchat/sdk/admin';

export async function adminTasks(options: MedChatOptions & { email: string; password: string; webhookUrl: string }): Promise<void> {
  const client = new MedChat(options);
  await client.auth.login({ email: options.email, password: options.password });
  const admin = new MedChatAdmin(client);

  const settings = await admin.settings.update({ awayTimeoutMinutes: 15, firstReplySeconds: null });
  console.log(`away timeout ${settings.awayTimeoutMinutes} min; first-reply deadline ${settings.firstReplySeconds ?? 'off'}`);

  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const { filename, csv } = await admin.reports.csv({ from: day(-7), to: day(-1) });
  await Bun.write(filename, csv);

  const hook = await admin.webhooks.create({ url: options.webhookUrl, events: ['session.started', 'session.ended'] });
  console.log(`webhook ${hook.id}: store this secret now, it is not shown again: ${hook.secret}`);
  for (const d of await admin.webhooks.deliveries(hook.id)) console.log(d.type, d.status, d.lastStatus, `${d.lastLatencyMs ?? '–'} ms`);
  await client.auth.logout();
}

if (import.meta.main) {
  const [baseUrl = 'http://localhost:3000', email = 'admin@demo.clinic', password = 'medchat-demo', webhookUrl = 'https://example.org/medchat'] =
    process.argv.slice(2);
  await adminTasks({ baseUrl, email, password, webhookUrl });
}
