import type { MedChat, MfaEnrolment } from '@medchat/sdk';
import { h } from './dom';
import { errorText } from './format';

/**
 * The signed-in employee's two-step sign-in: set it up (password, then the key or link for an authenticator app,
 * then its first code) or turn it off (password and a current code). Shown in a dialog from the header, and as a
 * page of its own when the clinic requires it and it is not set up yet (`onEnabled` then opens the console).
 */
export class MfaPanel {
  readonly element = h('div');

  constructor(
    private readonly client: MedChat,
    private readonly onEnabled: () => void = () => {},
  ) {}

  render(): void {
    const me = this.client.auth.user;
    if (me?.mfaEnabled && me.mfaRequired)
      this.element.replaceChildren(h('p', {}, 'On, as your clinic requires. To use another phone, ask an admin to reset it, then set it up again.'));
    else this.element.replaceChildren(me?.mfaEnabled ? this.turnOff() : this.setUp());
  }

  /** Step 1: the password, for a new key. */
  private setUp(): HTMLElement {
    const password = passwordInput();
    return this.form(
      [
        h(
          'p',
          {},
          'Off. With it on, signing in also asks for a 6-digit code from an authenticator app on your phone, so a stolen password alone is not enough.',
        ),
        h('label', { for: 'mfa-password' }, 'Your password'),
        password,
      ],
      'Set up',
      async () => this.showKey(await this.client.employees.mfa('start', { password: password.value })),
    );
  }

  /** Step 2: the key for the app, and its first code. */
  private showKey({ secret, uri }: MfaEnrolment): void {
    const code = codeInput('mfa-code');
    this.element.replaceChildren(
      this.form(
        [
          h('p', {}, 'Add this key to your authenticator app (choose "enter a setup key"), or open the link on a phone that has the app:'),
          h('p', {}, h('code', { id: 'mfa-secret' }, secret.match(/.{1,4}/g)!.join(' '))),
          h('p', {}, h('a', { href: uri, id: 'mfa-link' }, 'Open in an authenticator app')),
          h('label', { for: 'mfa-code' }, 'The code the app shows now'),
          code,
        ],
        'Turn on',
        async () => {
          this.client.auth.updateUser(await this.client.employees.mfa('confirm', { code: code.value.trim() }));
          this.done('Two-step sign-in is on. Next time you sign in, have your phone at hand.');
          this.onEnabled();
        },
      ),
    );
    code.focus();
  }

  private turnOff(): HTMLElement {
    const password = passwordInput();
    const code = codeInput('mfa-code');
    return this.form(
      [
        h('p', {}, 'On: signing in asks for a code from your authenticator app.'),
        h('label', { for: 'mfa-password' }, 'Your password'),
        password,
        h('label', { for: 'mfa-code' }, 'A code from the app'),
        code,
      ],
      'Turn off',
      async () => {
        this.client.auth.updateUser(await this.client.employees.mfa('disable', { password: password.value, code: code.value.trim() }));
        this.done('Two-step sign-in is off.');
      },
    );
  }

  private done(text: string): void {
    this.render();
    this.element.prepend(h('p', { class: 'notice', role: 'status' }, text));
  }

  /** A form whose submit runs `action`, showing its error in the form. */
  private form(fields: HTMLElement[], label: string, action: () => Promise<void>): HTMLFormElement {
    const error = h('p', { class: 'error', role: 'alert' });
    const submit = h('button', { type: 'submit', class: 'primary' }, label);
    const form = h('form', { class: 'security-form' }, ...fields, error, submit);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.textContent = '';
      submit.disabled = true;
      try {
        await action();
      } catch (e) {
        error.textContent = errorText(e);
      } finally {
        submit.disabled = false;
      }
    });
    return form;
  }
}

/** The panel in a dialog, opened from the header. */
export class SecurityDialog {
  readonly element: HTMLDialogElement;
  private readonly panel: MfaPanel;

  constructor(client: MedChat) {
    this.panel = new MfaPanel(client);
    const close = h('button', { type: 'button' }, 'Close');
    close.addEventListener('click', () => this.element.close());
    this.element = h(
      'dialog',
      { id: 'security', 'aria-labelledby': 'security-title' },
      h('h2', { id: 'security-title' }, 'Two-step sign-in'),
      this.panel.element,
      close,
    );
  }

  open(): void {
    this.panel.render();
    this.element.showModal();
  }
}

/** The page staff see when their clinic requires two-step sign-in and they have not set it up. */
export function renderMfaSetupPage(client: MedChat, onEnabled: () => void, onSignOut: () => void): HTMLElement {
  const panel = new MfaPanel(client, onEnabled);
  panel.render();
  const signOut = h('button', { type: 'button' }, 'Sign out');
  signOut.addEventListener('click', onSignOut);
  return h(
    'main',
    { class: 'login-page' },
    h(
      'section',
      { class: 'login card', 'aria-labelledby': 'setup-title' },
      h('h1', { id: 'setup-title' }, 'Set up two-step sign-in'),
      h('p', {}, 'Your clinic asks every member of staff to use two-step sign-in. It takes a minute, with an authenticator app on your phone.'),
      panel.element,
      signOut,
    ),
  );
}

const passwordInput = () => h('input', { id: 'mfa-password', type: 'password', autocomplete: 'current-password', required: true });
const codeInput = (id: string) => h('input', { id, inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: 6, required: true });
