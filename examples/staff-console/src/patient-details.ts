import type { MedChat, Session, SessionPriority, SessionTriage } from '@medchat/sdk';
import type { Note } from '@medchat/sdk/notes';
import { callApi } from './api';
import { renderTrail } from './assignment-trail';
import { h, isolate, uid } from './dom';
import { clock, dateTime, errorText } from './format';
import type { TeamNames } from './team-names';

/**
 * The patient's context beside a chat (staff only): why they came, the topic and team, whether the clinic's own
 * sign-in vouched for who they are, the red-flag answers of the intake and every change of priority since, who held the chat (assignment history) and the internal notes.
 *
 * What it reads, it reads when first shown: the triage (`GET /sessions/:id/triage`, audited like a message read)
 * once, again when the priority changes; the assignment history while it is open, again when the holder changes.
 */
export class PatientDetails {
  readonly element: HTMLElement;
  private readonly facts = h('dl', { class: 'facts' });
  private readonly flags = h('div', { class: 'red-flags' }, h('p', { class: 'muted' }, 'Loading…'));
  /** Filled from the triage: verified by the clinic's own sign-in, or a name as typed. */
  private readonly identity = h('dd', {}, '…');
  private readonly trail = h('div', { class: 'trail-body' });
  private readonly history = h('details', { class: 'history' }, h('summary', {}, 'Assignment history'), this.trail);
  private readonly noteCount = h('span', { class: 'count' });
  private readonly noteList = h('ol', { class: 'detail-notes' });
  private readonly noNotes = h('p', { class: 'muted' }, 'No internal notes yet. Write one with “Internal note” under the chat.');
  private readonly notes = new Map<string, Note>();
  private isShown = false;
  private isTriageRead = false;
  private trailKey = '';
  private trailState = '';
  /** What the facts were drawn from: drawn again only when it changed (not on every typing signal of the chat). */
  private factsKey = '';

  constructor(
    private readonly client: MedChat,
    private readonly session: () => Session,
    private readonly teams: TeamNames,
  ) {
    const flagsTitle = uid('red-flags');
    const notesTitle = uid('notes');
    this.element = h(
      'aside',
      { class: 'chat-details', 'aria-label': 'Patient details', id: uid('details') },
      h('h3', {}, 'Patient details'),
      this.facts,
      h('h4', { id: flagsTitle }, 'Red flags at intake'),
      this.flags,
      this.history,
      h('h4', { id: notesTitle }, 'Internal notes ', this.noteCount),
      this.noNotes,
      this.noteList,
    );
    this.history.addEventListener('toggle', () => this.refreshTrail(this.trailState));
    this.renderNotes();
  }

  /** On screen (its chat shown and the details open): reads what it has not read yet. */
  setShown(isShown: boolean): void {
    this.isShown = isShown;
    if (isShown) this.render(this.trailState);
  }

  /**
   * Draws the facts again. `state` names who holds the chat and how it stands: when it changed, an open assignment
   * history is read again.
   */
  render(state: string): void {
    this.trailState = state;
    if (!this.isShown) return;
    const session = this.session();
    const team = this.teams.nameOf(session.teamId);
    const fact = (term: string, ...value: (string | Node)[]) => [h('dt', {}, term), h('dd', {}, ...value)];
    const factsKey = JSON.stringify([session.patient.displayName, session.reason, session.topic, session.teamId, team]);
    if (factsKey !== this.factsKey) {
      this.factsKey = factsKey;
      this.facts.replaceChildren(
        ...fact('Patient', isolate(session.patient.displayName)),
        h('dt', {}, 'Identity'),
        this.identity,
        ...fact('Reason', h('bdi', { dir: 'auto' }, session.reason)),
        ...(session.topic ? fact('Topic', isolate(session.topic)) : []),
        ...fact('Team', team ? isolate(team) : session.teamId ? '…' : 'Anyone'),
        ...fact('Started', h('time', { datetime: session.createdAt }, dateTime(session.createdAt))),
      );
    }
    if (!this.isTriageRead) this.readTriage();
    this.refreshTrail(state);
  }

  /** The priority changed: the triage (with its new change) is read again when next shown. */
  priorityChanged(_priority: SessionPriority): void {
    this.isTriageRead = false;
    if (this.isShown) this.readTriage();
  }

  addNote(note: Note): void {
    this.notes.set(note.id, note);
    this.renderNotes();
  }

  private readTriage(): void {
    this.isTriageRead = true;
    const id = encodeURIComponent(this.session().id);
    callApi<SessionTriage>(this.client, 'GET', `sessions/${id}/triage`).then(
      (triage) => {
        this.flags.replaceChildren(...renderTriage(triage));
        this.identity.replaceChildren(
          ...(triage.identity
            ? ['Verified by the clinic’s sign-in (ID ', isolate(triage.identity.externalId), ')']
            : [h('span', { class: 'muted' }, 'Not verified: the name is as typed')]),
        );
      },
      (e) => {
        this.isTriageRead = false;
        this.flags.replaceChildren(h('p', { class: 'error' }, `Could not load the red flags: ${errorText(e)}`));
      },
    );
  }

  /** One request when someone opens the history, again only when the holder or the status changed. */
  private refreshTrail(state: string): void {
    if (!this.history.open || !this.isShown || state === this.trailKey) return;
    this.trailKey = state;
    this.client.assignments.list(this.session().id).then(
      (list) => this.trail.replaceChildren(renderTrail(list)),
      (e) => this.trail.replaceChildren(h('p', { class: 'error' }, errorText(e))),
    );
  }

  private renderNotes(): void {
    const notes = [...this.notes.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    this.noteCount.textContent = `(${notes.length})`;
    this.noNotes.hidden = notes.length > 0;
    this.noteList.replaceChildren(
      ...notes.map((n) =>
        h(
          'li',
          {},
          h('p', { class: 'meta' }, isolate(n.author.displayName), ' · ', h('time', { datetime: n.createdAt }, clock(n.createdAt))),
          h('p', { class: 'body', dir: 'auto' }, n.body),
        ),
      ),
    );
  }
}

/** The answers in the words asked then, "yes" first and marked; then each change of priority with who and why. */
function renderTriage(triage: SessionTriage): Node[] {
  const answers = [...triage.redFlags].sort((a, b) => Number(b.answer) - Number(a.answer));
  return [
    answers.length
      ? h(
          'ul',
          { class: 'flag-answers' },
          ...answers.map((a) =>
            h(
              'li',
              { class: a.answer ? 'flag-yes' : 'flag-no' },
              h('strong', { class: 'answer' }, a.answer ? 'Yes' : 'No'),
              ' ',
              h('bdi', { dir: 'auto' }, a.question),
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'No red-flag questions were asked.'),
    ...(triage.changes.length
      ? [
          h(
            'ul',
            { class: 'priority-changes' },
            ...triage.changes.map((c) =>
              h(
                'li',
                {},
                `Marked ${c.to} by `,
                isolate(c.changedBy.displayName),
                ' at ',
                h('time', { datetime: c.at }, clock(c.at)),
                ': ',
                h('bdi', { dir: 'auto' }, c.reason),
              ),
            ),
          ),
        ]
      : []),
  ];
}
