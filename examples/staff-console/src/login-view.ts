import { isMedChatError, type MedChat } from '@medchat/sdk';
import { h } from './dom';
import { errorText } from './format';

/**
 * The sign-in form. Calls `onSignedIn` once the SDK holds a staff token. For an account with two-step sign-in on,
 * the server answers the password with `mfa_required`: the form then asks for the code and signs in with both. For
 * an email with accounts at several clinics it answers `clinic_required`: the form then asks for the clinic.
 */
export function renderLogin(client: MedChat, onSignedIn: () => void): HTMLElement {
  const email = h('input', { id: 'login-email', type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { id: 'login-password', type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const code = h('input', { id: 'login-code', name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: 6 });
  const codeField = h('div', { class: 'code-field', hidden: true }, h('label', { for: 'login-code' }, 'Code from your authenticator app'), code);
  const clinic = h('input', { id: 'login-clinic', name: 'clinic', autocomplete: 'organization', autocapitalize: 'none', spellcheck: 'false', maxlength: 100 });
  const clinicField = h('div', { class: 'clinic-field', hidden: true }, h('label', { for: 'login-clinic' }, 'Clinic (its site key, from your admin)'), clinic);
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
    clinicField,
    codeField,
    error,
    submit,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    try {
      const { user } = await client.auth.login({
        email: email.value.trim(),
        password: password.value,
        code: codeField.hidden ? undefined : code.value.trim(),
        siteKey: clinicField.hidden ? undefined : clinic.value.trim().toLowerCase(),
      });
      if (user.role === 'patient') {
        await client.auth.logout();
        throw new Error('This console is for clinic staff.');
      }
      onSignedIn();
    } catch (e) {
      const codeWanted = isMedChatError(e) && (e.code === 'mfa_required' || e.code === 'invalid_mfa_code');
      const clinicWanted = isMedChatError(e) && e.code === 'clinic_required';
      error.textContent =
        isMedChatError(e) && e.code === 'mfa_required'
          ? 'Two-step sign-in is on for this account: enter the 6-digit code your authenticator app shows.'
          : errorText(e);
      if (clinicWanted) {
        clinicField.hidden = false;
        clinic.required = true;
        clinic.select();
      } else if (codeWanted) {
        codeField.hidden = false;
        code.required = true;
        code.select();
      } else password.select();
    } finally {
      submit.disabled = false;
    }
  });
  queueMicrotask(() => email.focus());
  return h('main', { class: 'login-page' }, form);
}
