import type { ClinicIntake, ClinicIntakeParams, MedChat } from '@medchat/sdk';
import { callApi } from './api';
import { h } from './dom';

/**
 * Admins only: the clinic's red-flag questions (one per line, in the clinic's own words) and the emergency
 * instructions a patient reads at once after a yes. A line kept as it was keeps its question's id, so answers
 * already given keep their meaning.
 */
export class IntakeEditor {
  readonly element: HTMLElement;
  private readonly questions = h('textarea', { id: 'intake-questions', rows: 4, 'aria-describedby': 'intake-questions-hint' });
  private readonly instructions = h('textarea', { id: 'intake-instructions', rows: 3, maxlength: 2000 });
  private readonly status = h('p', { role: 'status', class: 'muted' });
  private current: ClinicIntake = { redFlags: [], emergencyInstructions: '' };

  constructor(private readonly client: MedChat) {
    const form = h(
      'form',
      { class: 'hours-form', 'aria-labelledby': 'intake-title' },
      h('label', { for: 'intake-questions' }, 'Red-flag questions, one per line'),
      h(
        'p',
        { id: 'intake-questions-hint', class: 'muted' },
        'Patients answer each yes or no before the chat starts. A yes shows the instructions below at once; a patient who goes on is served first.',
      ),
      this.questions,
      h('label', { for: 'intake-instructions' }, 'Emergency instructions (empty: the clinic’s emergency text)'),
      this.instructions,
      h('button', { type: 'submit', class: 'primary' }, 'Save intake questions'),
      this.status,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.save();
    });
    this.element = h('section', { 'aria-labelledby': 'intake-title' }, h('h3', { id: 'intake-title' }, 'Intake: red flags'), form);
  }

  async load(): Promise<void> {
    try {
      this.show(await callApi<ClinicIntake>(this.client, 'GET', 'clinic/intake'));
    } catch (e) {
      this.status.textContent = `Could not load the intake questions: ${(e as Error).message}`;
    }
  }

  private show(intake: ClinicIntake): void {
    this.current = intake;
    this.questions.value = intake.redFlags.map((q) => q.text).join('\n');
    this.instructions.value = intake.emergencyInstructions;
  }

  private async save(): Promise<void> {
    const body: ClinicIntakeParams = {
      redFlags: this.questions.value
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean)
        .map((text) => ({ id: this.current.redFlags.find((q) => q.text === text)?.id, text })),
      emergencyInstructions: this.instructions.value,
    };
    this.status.textContent = 'Saving…';
    try {
      this.show(await callApi<ClinicIntake>(this.client, 'PUT', 'clinic/intake', body));
      this.status.textContent = 'Saved.';
    } catch (e) {
      this.status.textContent = `Not saved: ${(e as Error).message}`;
    }
  }
}
