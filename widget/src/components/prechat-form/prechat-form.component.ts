import { LitElement, html, nothing } from 'lit';
import type { ClinicIntake } from '@medchat/sdk/patient';
import { emitInternal } from '../../events/events';
import { base } from '../../styles/tokens.styles';
import type { Translation } from '../../translations';
import { styles } from './prechat-form.styles';
import { NAME_MAX, REASON_MAX, validatePrechat, type PrechatErrors } from './prechat-form.validation';

/**
 * The guest's first step: the clinic's red-flag questions (yes or no), name, what the chat is about (when the clinic
 * offers topics: optional, "Something else" routes it to anyone) and reason for the visit, validated before anything
 * is sent. When the clinic sends reply emails, its consent text labels a box: ticked, a guest gives an address; an
 * identified patient whose identity token named one finds it ticked for that address, and may untick it. A yes shows
 * the clinic's emergency instructions at once, first in the form, with focus moved there; the start button then reads
 * "continue to chat anyway" (the server makes that chat urgent).
 * @fires medchat-prechat-submit - internal: the answers (`PrechatAnswers`) once valid.
 */
export class PrechatForm extends LitElement {
  static override styles = [base, styles];
  static override shadowRootOptions = { ...LitElement.shadowRootOptions, delegatesFocus: true };
  static override properties = {
    t: { attribute: false },
    name: {},
    needsName: { type: Boolean },
    isBusy: { type: Boolean },
    intake: { attribute: false },
    consent: { attribute: false },
    identityEmail: { attribute: false },
    notify: { state: true },
    errors: { state: true },
    answers: { state: true },
  };

  declare t: Translation;
  name = '';
  needsName = true;
  isBusy = false;
  errors: PrechatErrors = {};
  intake: ClinicIntake = { redFlags: [], emergencyInstructions: '' };
  /** The clinic's consent text for reply emails; null: it sends none, and the form asks nothing. */
  consent: string | null = null;
  identityEmail: string | null = null;
  /** The consent box as the patient set it; null: untouched (ticked for an identity token's address). */
  notify: boolean | null = null;
  /** Question id → the answer chosen so far. */
  answers: Record<string, boolean> = {};

  override render() {
    const { t, errors } = this;
    return html`
      <form novalidate @submit=${this.#submit}>
        ${
          this.#isFlagged
            ? html`<div id="alarm" class="alarm" role="alert" tabindex="-1">
              <strong>${t.redFlagTitle}</strong>
              <p>${this.intake.emergencyInstructions || t.emergencyFallback}</p>
            </div>`
            : nothing
        }
        <p>${t.prechatIntro}</p>
        ${this.intake.redFlags.map(
          (q, i) => html`<fieldset id=${`flag-${i}`} @change=${this.#answer} aria-describedby=${errors.redFlag === i ? 'flag-error' : nothing}>
            <legend>${q.text}</legend>
            <label><input type="radio" name=${q.id} value="yes" required /> ${t.yes}</label>
            <label><input type="radio" name=${q.id} value="no" /> ${t.no}</label>
            ${errors.redFlag === i ? html`<div id="flag-error" class="error">${t.redFlagRequired}</div>` : nothing}
          </fieldset>`,
        )}
        ${
          this.needsName
            ? html`<div>
              <label for="name">${t.nameLabel}</label>
              <input id="name" name="name" autocomplete="name" maxlength=${NAME_MAX + 20} .value=${this.name}
                aria-invalid=${!!errors.name} aria-describedby=${errors.name ? 'name-error' : nothing} required />
              ${errors.name ? html`<div id="name-error" class="error">${errors.name}</div>` : nothing}
            </div>`
            : nothing
        }
        ${
          this.intake.topics?.length
            ? html`<div>
              <label for="topic">${t.topicLabel}</label>
              <select id="topic" name="topic">
                <option value="">${t.topicAny}</option>
                ${this.intake.topics.map((o) => html`<option value=${o.id}>${o.label}</option>`)}
              </select>
            </div>`
            : nothing
        }
        <div>
          <label for="reason">${t.reasonLabel}</label>
          <textarea id="reason" name="reason" maxlength=${REASON_MAX + 50} required
            aria-invalid=${!!errors.reason} aria-describedby=${errors.reason ? 'reason-error reason-hint' : 'reason-hint'}></textarea>
          <div id="reason-hint" class="hint">${t.reasonHint}</div>
          ${errors.reason ? html`<div id="reason-error" class="error">${errors.reason}</div>` : nothing}
        </div>
        ${this.consent === null ? nothing : this.#renderEmail()}
        <button class="primary" type="submit" ?disabled=${this.isBusy} aria-busy=${this.isBusy}>
          ${this.isBusy ? t.starting : this.#isFlagged ? t.continueAnyway : t.startChat}
        </button>
      </form>
    `;
  }

  #renderEmail() {
    const { t, errors, identityEmail } = this;
    return html`<div>
      <label class="check"><input type="checkbox" name="notify" .checked=${this.#notifies}
        @change=${(e: Event) => (this.notify = (e.target as HTMLInputElement).checked)} /> ${this.consent}</label>
      ${
        !this.#notifies
          ? nothing
          : identityEmail
            ? html`<div class="hint">${t.emailTo(identityEmail)}</div>`
            : html`<label for="email">${t.emailLabel}</label>
              <input id="email" name="email" type="email" autocomplete="email" maxlength="254" required
                aria-invalid=${!!errors.email} aria-describedby=${errors.email ? 'email-error' : nothing} />
              ${errors.email ? html`<div id="email-error" class="error">${errors.email}</div>` : nothing}`
      }
    </div>`;
  }

  get #notifies() {
    return this.notify ?? !!this.identityEmail;
  }

  get #isFlagged() {
    return Object.values(this.answers).includes(true);
  }

  #answer(event: Event) {
    const input = event.target as HTMLInputElement;
    const wasFlagged = this.#isFlagged;
    this.answers = { ...this.answers, [input.name]: input.value === 'yes' };
    this.errors = { ...this.errors, redFlag: undefined };
    // The instructions come before anything else: focus goes there (and it is announced) on the first yes.
    if (this.#isFlagged && !wasFlagged) void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('#alarm')?.focus());
  }

  #submit(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const email = data.get('email');
    const values = { name: String(data.get('name') ?? ''), reason: String(data.get('reason') ?? ''), email: email === null ? undefined : String(email) };
    const unanswered = this.intake.redFlags.findIndex((q) => !(q.id in this.answers));
    this.errors = { ...validatePrechat(values, this.needsName, this.t), ...(unanswered < 0 ? {} : { redFlag: unanswered }) };
    const invalid = unanswered < 0 ? (['name', 'reason', 'email'] as const).find((field) => this.errors[field]) : `flag-${unanswered}`;
    if (invalid) {
      // Focus the first field in error; its message is announced through aria-describedby.
      void this.updateComplete.then(() =>
        ((form.elements.namedItem(invalid) as HTMLElement | null) ?? this.renderRoot.querySelector<HTMLElement>(`#${invalid} input`))?.focus(),
      );
      return;
    }
    const redFlags = this.intake.redFlags.map((q) => ({ id: q.id, answer: this.answers[q.id]! }));
    const topic = String(data.get('topic') ?? '') || undefined;
    // The box as left, when the clinic asks: false also turns off an identity token's address.
    const notify = this.consent === null ? undefined : this.#notifies;
    emitInternal(this, 'medchat-prechat-submit', {
      name: values.name.trim(),
      reason: values.reason.trim(),
      redFlags,
      topic,
      notifyEmail: values.email?.trim(),
      notify,
    });
  }
}
