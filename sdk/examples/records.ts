/**
 * Filing chats in a chart with `@medchat/sdk/records`: a session's transcript as PDF and as text, the session as a
 * FHIR R4 Bundle, and every session started in the last week as FHIR resources, streamed into one NDJSON file.
 * `bun sdk/examples/records.ts http://localhost:3000 admin@clinic.test secret <session id>`.
 */
import { MedChat, type MedChatOptions } from '@medchat/sdk';
import { MedChatRecords } from '@medchat/sdk/records';

export async function fileChats(options: MedChatOptions & { email: string; password: string; sessionId: string }): Promise<void> {
  const client = new MedChat(options);
  await client.auth.login({ email: options.email, password: options.password });
  const records = new MedChatRecords(client);

  const pdf = await records.transcript(options.sessionId, 'pdf');
  await Bun.write(pdf.filename, pdf.blob); // transcript-<id>.pdf
  const text = await records.transcript(options.sessionId); // plain text, the default
  await Bun.write(text.filename, text.blob);

  const bundle = await records.fhirBundle(options.sessionId);
  console.log(`${bundle.entry.length} resources:`, bundle.entry.map((e) => e.resource.resourceType).join(', '));

  // The bulk export follows every page by itself; resources arrive as the server streams them.
  const from = new Date(Date.now() - 7 * 86_400_000).toISOString();
  const out = Bun.file('medchat.ndjson').writer();
  let n = 0;
  for await (const resource of records.fhirExport({ from })) {
    out.write(`${JSON.stringify(resource)}\n`);
    n++;
  }
  await out.end();
  console.log(`${n} resources since ${from} in medchat.ndjson`);
  await client.auth.logout();
}

if (import.meta.main) {
  const [baseUrl = 'http://localhost:3000', email = 'admin@demo.clinic', password = 'medchat-demo', sessionId = ''] = process.argv.slice(2);
  await fileChats({ baseUrl, email, password, sessionId });
}
