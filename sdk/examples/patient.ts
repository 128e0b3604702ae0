/**
 * Quick start for a patient (the widget's flow): sign in as a guest, open a chat, send, listen, end.
 * Run against a server by `tests/` (exercised there), or by hand: `bun sdk/examples/patient.ts http://localhost:3000 demo-site-key`.
 */
import { MedChatPatient, isMedChatError, localStorageTokens, type Message, type MedChatOptions } from '@medchat/sdk/patient';

export async function patientQuickStart(options: MedChatOptions & { siteKey: string }): Promise<Message[]> {
  const client = new MedChatPatient({ storage: localStorageTokens('medchat.demo'), ...options });

  // A reload resumes the same patient: the token comes back from storage.
  if (!client.auth.user) await client.auth.guest({ siteKey: options.siteKey, displayName: 'Alex' });

  const clinic = await client.clinics.getPublic(options.siteKey);
  console.log(`Chatting with ${clinic.name}. ${clinic.emergencyText}`);

  const session = await client.sessions.start({ reason: 'Question about my prescription' });
  const chat = client.chat(session.id); // connects and subscribes

  chat.on('message', (m) => console.log(`${m.sender?.displayName ?? 'system'}: ${m.body}`));
  chat.on('session', (s) => console.log(`session is ${s.status}`));
  chat.on('typing', (typists) => console.log(typists.length ? `${typists[0]!.displayName} is typing…` : ''));
  client.on('session.waiting', (e) => console.log(`You are number ${e.queue.position} in line`));
  client.on('state', (e) => console.log(`connection: ${e.state}`));

  try {
    chat.typing(true);
    const stored = await chat.send('Hello, can I take it with food?');
    console.log(`stored as #${stored.seq}`);
  } catch (error) {
    // Refused (e.g. `session_ended`): it stays in chat.pending as "not sent" for retry or discard.
    if (isMedChatError(error)) console.log(`not sent: ${error.code}`);
  }

  const messages = [...chat.messages];
  await chat.markRead();
  await client.sessions.end(session.id);
  chat.close();
  await client.auth.logout(); // "end chat" clears the stored token (docs/requirements.md#privacy)
  return messages;
}

if (import.meta.main) {
  const [baseUrl = 'http://localhost:3000', siteKey = 'demo'] = process.argv.slice(2);
  await patientQuickStart({ baseUrl, siteKey });
}
