import { MedChat, type MedChatOptions } from '../client';
import { memoryTokens } from '../core/storage';
import type { Me } from '../protocol/models';
import { FakeServer } from './fake-server';

export const SESSION_ID = '00000000-0000-4000-8000-000000000001';
export const patientMe: Me = {
  id: '00000000-0000-4000-8000-0000000000aa',
  clinicId: '00000000-0000-4000-8000-0000000000cc',
  role: 'patient',
  displayName: 'Pat',
  email: null,
  externalId: null,
  availability: null,
  capacity: null,
  mfaEnabled: false,
  mfaRequired: false,
  notificationFirstNames: false,
};
export const staff = { id: '00000000-0000-4000-8000-0000000000bb', role: 'employee' as const, displayName: 'Dr. Lee' };

/** A signed-in patient client wired to a fake server, with fast timers. */
export function setup(options: Partial<MedChatOptions> = {}) {
  const server = new FakeServer({ id: patientMe.id, role: 'patient', displayName: patientMe.displayName });
  const storage = memoryTokens();
  storage.set({ token: 'test-token', expiresAt: new Date(Date.now() + 3_600_000).toISOString(), user: patientMe });
  const client = new MedChat({
    baseUrl: 'http://medchat.test',
    storage,
    WebSocket: server.WebSocket,
    fetch: server.fetch,
    reconnect: { initialDelayMs: 1, maxDelayMs: 4 },
    retry: { initialDelayMs: 1, maxDelayMs: 2 },
    ackTimeoutMs: 40,
    ...options,
  });
  return { server, client };
}

/** Polls until `done()` holds, letting timers run; throws after `ms`. */
export async function waitFor(done: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() > until) throw new Error('waitFor: timed out');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
