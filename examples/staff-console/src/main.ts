/**
 * MedChat staff console: a small example built only on `@medchat/sdk`. Copy it and change what you like.
 * Entry point: shows the sign-in form or the console, and switches between them.
 */
import { isMedChatError, localStorageTokens, MedChat } from '@medchat/sdk';
import { mountConsole } from './console-view';
import { renderLogin } from './login-view';
import { renderMfaSetupPage } from './security-dialog';

const client = new MedChat({ baseUrl: location.origin, storage: localStorageTokens('medchat.console') });
const root = document.getElementById('app')!;
let unmount: (() => void) | null = null;

function showLogin(): void {
  unmount?.();
  unmount = null;
  root.replaceChildren(renderLogin(client, showSignedIn));
}

/** The console, or first the set-up of two-step sign-in when the clinic requires it and it is not on yet. */
function showSignedIn(): void {
  unmount?.();
  unmount = null;
  const me = client.auth.user!;
  if (me.mfaRequired && !me.mfaEnabled) root.replaceChildren(renderMfaSetupPage(client, showSignedIn, signOut));
  else unmount = mountConsole(root, client, signOut, showSignedIn);
}

function signOut(): void {
  // Stop listening first: the server closes the socket of a revoked token, which the console would otherwise
  // take for a lost session and check with the server (a 401 after every sign-out).
  unmount?.();
  unmount = null;
  void client.auth.logout().finally(showLogin);
}

/** A stored token may have been revoked or belong to a patient: check it before showing the console. */
async function start(): Promise<void> {
  if (!client.auth.user) return showLogin();
  try {
    const me = await client.auth.me();
    if (me.role !== 'patient') return showSignedIn();
  } catch (e) {
    // Server unreachable: keep the session, the SDK reconnects by itself.
    if (!isMedChatError(e) || e.status !== 401) return showSignedIn();
  }
  await client.auth.logout().catch(() => {});
  showLogin();
}

void start();
