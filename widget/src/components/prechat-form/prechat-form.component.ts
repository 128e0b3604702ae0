import { LitElement, html, nothing } from 'lit';
import { emitInternal } from '../../events/events';
import { base } from '../../styles/tokens.styles';
import type { Translation } from '../../translations';
import { styles } from './prechat-form.styles';
import { NAME_MAX, REASON_MAX, validatePrechat, type PrechatErrors } from './prechat-form.validation';

/**
 * The guest's first step: name and reason for the visit, validated before anything is sent.
 * @fires medchat-prechat-submit - internal: `{name, reason}` once valid.
 */
export class PrechatForm extends LitElement {
  static override styles = [base, styles];
  static override shadowRootOptions = { ...LitElement.shadowRootOptions, delegatesFocus: true };
  static override properties = {
    t: { attribute: false },
    name: {},
    needsName: { type: Boolean },
    isBusy: { type: Boolean },
    errors: { state: true },
  };

  declare t: Translation;
  name = '';
  needsName = true;
  isBusy = false;
  errors: PrechatErrors = {};

  override render() {
    const { t, errors } = this;
    return html`
      <form novalidate @submit=${this.submit}>
        <p>${t.prechatIntro}</p>
        ${
          this.needsName
            ? html`<div>
              <label for="name">${t.nameLabel}</label>
              <input id="name" name="name" autocomplete="name" maxlength=${NAME_MAX + 20} .value=${this.name}
                aria-invalid=${errors.name ? 'true' : 'false'} aria-describedby=${errors.name ? 'name-error' : nothing} required />
              ${errors.name ? html`<div id="name-error" class="error">${errors.name}</div>` : nothing}
            </div>`
            : nothing
        }
        <div>
          <label for="reason">${t.reasonLabel}</label>
          <textarea id="reason" name="reason" maxlength=${REASON_MAX + 50} required
            aria-invalid=${errors.reason ? 'true' : 'false'} aria-describedby=${errors.reason ? 'reason-error reason-hint' : 'reason-hint'}></textarea>
          <div id="reason-hint" class="hint">${t.reasonHint}</div>
          ${errors.reason ? html`<div id="reason-error" class="error">${errors.reason}</div>` : nothing}
        </div>
        <button class="primary" type="submit" ?disabled=${this.isBusy} aria-busy=${this.isBusy ? 'true' : 'false'}>
          ${this.isBusy ? t.starting : t.startChat}
        </button>
      </form>
    `;
  }

  private submit(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const values = { name: String(data.get('name') ?? ''), reason: String(data.get('reason') ?? '') };
    this.errors = validatePrechat(values, this.needsName, this.t);
    const invalid = (['name', 'reason'] as const).find((field) => this.errors[field]);
    if (invalid) {
      // Focus the first field in error; its message is announced through aria-describedby.
      void this.updateComplete.then(() => (form.elements.namedItem(invalid) as HTMLElement | null)?.focus());
      return;
    }
    emitInternal(this, 'medchat-prechat-submit', { name: values.name.trim(), reason: values.reason.trim() });
  }
}
