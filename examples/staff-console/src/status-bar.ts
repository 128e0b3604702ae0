import type { Availability, ConnectionState, MedChat } from '@medchat/sdk';
import { h, isolate } from './dom';
import { AVAILABILITY_HINTS, AVAILABILITY_LABELS, CONNECTION_LABELS, errorText } from './format';
import type { Notifier } from './notifier';
import { SecurityDialog } from './security-dialog';

/** The header: who is signed in, the availability switch, load/capacity, connection state, sound, two-step sign-in, sign out. */
export class StatusBar {
  readonly element: HTMLElement;
  private readonly availability = h('select', { id: 'availability', name: 'availability', 'aria-describedby': 'availability-hint' });
  private readonly hint = h('span', { id: 'availability-hint', class: 'muted' });
  private readonly load = h('output', { id: 'load', 'aria-live': 'polite', 'aria-label': 'Chats you hold, of your capacity' });
  private readonly connection = h('span', { class: 'connection', role: 'status' });
  private readonly error = h('span', { class: 'error', role: 'alert' });

  constructor(
    private readonly client: MedChat,
    notifier: Notifier,
    onSignOut: () => void,
  ) {
    const me = client.auth.user!;
    for (const value of Object.keys(AVAILABILITY_LABELS) as Availability[]) {
      this.availability.append(h('option', { value }, AVAILABILITY_LABELS[value]));
    }
    this.setAvailability(me.availability ?? 'offline');
    this.availability.addEventListener('change', () => void this.changeAvailability(this.availability.value as Availability));

    const sound = h('input', { id: 'sound', type: 'checkbox', checked: notifier.isSoundOn });
    sound.addEventListener('change', () => notifier.setSound(sound.checked));
    const signOut = h('button', { type: 'button' }, 'Sign out');
    signOut.addEventListener('click', onSignOut);
    const security = new SecurityDialog(client);
    const openSecurity = h('button', { type: 'button', 'aria-haspopup': 'dialog' }, 'Two-step sign-in');
    openSecurity.addEventListener('click', () => security.open());

    this.element = h(
      'header',
      { class: 'status-bar' },
      h('strong', { class: 'brand' }, 'MedChat Console'),
      h('span', { class: 'who' }, isolate(me.displayName), ` (${me.role})`),
      h('span', { class: 'field' }, h('label', { for: 'availability' }, 'Availability'), this.availability, this.hint),
      h('span', { class: 'field' }, 'Load ', this.load),
      h('span', { class: 'field' }, sound, h('label', { for: 'sound' }, 'Sound on new chats')),
      this.connection,
      this.error,
      h('span', { class: 'actions' }, openSecurity, signOut),
      security.element,
    );
    this.setConnection(client.state);
    this.showLoad(0);
  }

  setConnection(state: ConnectionState): void {
    this.connection.textContent = CONNECTION_LABELS[state];
    this.connection.dataset.state = state;
  }

  /** Availability changed elsewhere (another tab, or the server after a disconnect). */
  setAvailability(availability: Availability): void {
    this.availability.value = availability;
    this.hint.textContent = AVAILABILITY_HINTS[availability];
  }

  /** Load is the number of active chats this employee holds now. */
  showLoad(load: number): void {
    this.load.textContent = `${load} / ${this.client.auth.user?.capacity ?? '?'}`;
  }

  private async changeAvailability(next: Availability): Promise<void> {
    this.error.textContent = '';
    try {
      const me = await this.client.employees.setAvailability(next);
      this.setAvailability(me.availability ?? next);
    } catch (e) {
      this.setAvailability(this.client.auth.user?.availability ?? 'offline');
      this.error.textContent = errorText(e);
    }
  }
}
