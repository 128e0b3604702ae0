import type { Colleague, MedChatAdmin, Team } from '@medchat/sdk/admin';
import { h, uid } from './dom';
import { errorText } from './format';

/**
 * The admin's teams: add one, and tick who belongs to each (an employee may be in several). The intake's topics
 * route chats to these teams; a team no topic names may be deleted.
 */
export class TeamsView {
  readonly element: HTMLElement;
  private readonly list = h('div', { class: 'teams-list' });
  private readonly status = h('p', { class: 'muted', role: 'status' });

  constructor(private readonly admin: MedChatAdmin) {
    const nameId = uid('team-name');
    const name = h('input', { id: nameId, required: true, maxlength: 80, autocomplete: 'off' });
    const add = h('form', { class: 'setting-row' }, h('label', { for: nameId }, 'New team'), name, h('button', { type: 'submit' }, 'Add team'));
    add.addEventListener('submit', async (event) => {
      event.preventDefault();
      await this.run(async () => {
        await this.admin.teams.create({ name: name.value.trim() });
        name.value = '';
      }, 'Team added.');
    });
    this.element = h(
      'section',
      { class: 'teams', 'aria-labelledby': 'teams-title' },
      h('h3', { id: 'teams-title' }, 'Teams'),
      h('p', { class: 'muted' }, 'A topic of the pre-chat form goes to a team: only its members take those chats.'),
      this.list,
      add,
      this.status,
    );
  }

  async load(): Promise<void> {
    const { teams, colleagues } = await this.admin.teams.list();
    this.list.replaceChildren(...(teams.length ? teams.map((t) => this.renderTeam(t, colleagues)) : [h('p', { class: 'muted' }, 'No teams yet.')]));
  }

  private renderTeam(team: Team, colleagues: Colleague[]): HTMLElement {
    const boxes = colleagues.map((c) => {
      const box = h('input', { type: 'checkbox', value: c.id });
      box.checked = team.memberIds.includes(c.id);
      return h('label', { class: 'check' }, box, ` ${c.displayName}`);
    });
    const save = h('button', { type: 'submit' }, 'Save members');
    const remove = h('button', { type: 'button', class: 'danger' }, 'Delete team');
    const form = h('form', { class: 'team' }, h('fieldset', {}, h('legend', {}, team.name), ...boxes, h('div', { class: 'actions' }, save, remove)));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const employeeIds = [...form.querySelectorAll<HTMLInputElement>('input[type=checkbox]:checked')].map((b) => b.value);
      await this.run(() => this.admin.teams.setMembers(team.id, { employeeIds }), `${team.name}: members saved.`);
    });
    remove.addEventListener('click', () => void this.run(() => this.admin.teams.remove(team.id), `${team.name} deleted.`));
    return form;
  }

  private async run(action: () => Promise<unknown>, done: string): Promise<void> {
    try {
      await action();
      await this.load();
      this.status.textContent = done;
    } catch (e) {
      this.status.textContent = errorText(e);
    }
  }
}
