import type { MedChat } from '@medchat/sdk';
import { h } from './dom';
import { errorText } from './format';

/** The sign-in form. Calls `onSignedIn` once the SDK holds a staff token. */
export function renderLogin(client: MedChat, onSignedIn: () => void): HTMLElement {
  const email = h('input', { id: 'login-email', type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { id: 'login-password', type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'login card', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'MedChat Console'),
    h('p', { class: 'muted' }, 'Sign in with your clinic staff account.'),
    h('label', { for: 'login-email' }, 'Email'),
    email,
    h('label', { for: 'login-password' }, 'Password'),
    password,
    error,
    submit,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    try {
      const { user } = await client.auth.login({ email: email.value.trim(), password: password.value });
      if (user.role === 'patient') {
        await client.auth.logout();
        throw new Error('This console is for clinic staff.');
      }
      onSignedIn();
    } catch (e) {
      error.textContent = errorText(e);
      password.select();
    } finally {
      submit.disabled = false;
    }
  });
  queueMicrotask(() => email.focus());
  return h('main', { class: 'login-page' }, form);
}
