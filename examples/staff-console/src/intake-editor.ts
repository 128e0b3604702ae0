import type { ClinicIntake, ClinicIntakeParams, MedChat } from '@medchat/sdk';
import { MedChatAdmin, type Team } from '@medchat/sdk/admin';
import { callApi } from './api';
import { h } from './dom';

/**
 * Admins only: the clinic's red-flag questions (one per line, in the clinic's own words) and the emergency
 * instructions a patient reads at once after a yes. A line kept as it was keeps its question's id, so answers
 * already given keep their meaning. And the topics a patient picks from, one per line as `label = team`, each
 * routing its chats to that team's members.
 */
export class IntakeEditor {
  readonly element: HTMLElement;
  private readonly questions = h('textarea', { id: 'intake-questions', rows: 4, 'aria-describedby': 'intake-questions-hint' });
  private readonly instructions = h('textarea', { id: 'intake-instructions', rows: 3, maxlength: 2000 });
  private readonly topics = h('textarea', { id: 'intake-topics', rows: 3, 'aria-describedby': 'intake-topics-hint' });
  private readonly status = h('p', { role: 'status', class: 'muted' });
  private teams: Team[] = [];
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
      h('label', { for: 'intake-topics' }, 'Topics, one per line: label = team'),
      h(
        'p',
        { id: 'intake-topics-hint', class: 'muted' },
        'e.g. “Prescriptions = Pharmacy”. Patients pick one before the chat starts; only that team’s members take it. Empty: no topic is asked.',
      ),
      this.topics,
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
      this.teams = (await new MedChatAdmin(this.client).teams.list()).teams;
      this.show(await callApi<ClinicIntake>(this.client, 'GET', 'clinic/intake'));
    } catch (e) {
      this.status.textContent = `Could not load the intake questions: ${(e as Error).message}`;
    }
  }

  private show(intake: ClinicIntake): void {
    this.current = intake;
    this.questions.value = intake.redFlags.map((q) => q.text).join('\n');
    this.instructions.value = intake.emergencyInstructions;
    this.topics.value = (intake.topics ?? []).map((t) => `${t.label} = ${this.teams.find((team) => team.id === t.teamId)?.name ?? '?'}`).join('\n');
  }

  /** The topics as typed, each with the id it had (same label) and its team by name; or the first line naming no team. */
  private readTopics(): NonNullable<ClinicIntakeParams['topics']> | string {
    const topics: NonNullable<ClinicIntakeParams['topics']> = [];
    for (const line of this.topics.value
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)) {
      const at = line.lastIndexOf('=');
      const label = line.slice(0, at).trim();
      const team = this.teams.find(
        (t) =>
          t.name.toLowerCase() ===
          line
            .slice(at + 1)
            .trim()
            .toLowerCase(),
      );
      if (at < 0 || !label || !team) return `“${line}” names no team: write it as “label = team”, with a team of the Teams section.`;
      topics.push({ id: this.current.topics?.find((t) => t.label === label)?.id, label, teamId: team.id });
    }
    return topics;
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
    this.teams = (await new MedChatAdmin(this.client).teams.list().catch(() => ({ teams: this.teams }))).teams;
    const topics = this.readTopics();
    if (typeof topics === 'string') {
      this.status.textContent = `Not saved: ${topics}`;
      return;
    }
    body.topics = topics;
    this.status.textContent = 'Saving…';
    try {
      this.show(await callApi<ClinicIntake>(this.client, 'PUT', 'clinic/intake', body));
      this.status.textContent = 'Saved.';
    } catch (e) {
      this.status.textContent = `Not saved: ${(e as Error).message}`;
    }
  }
}
