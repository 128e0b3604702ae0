import { h } from './dom';

/** What a desktop notification is about. */
export type NotificationKind = 'assigned' | 'urgent' | 'reply' | 'mention';

const DISMISSED_KEY = 'medchat.console.notifications';

/**
 * The words of each notification. A notification shows on the screen (and the lock screen) of the staff's
 * computer, where anyone near may read it: it never carries what anybody wrote, and names the patient (by the first
 * name they gave) only where the clinic allows it (`notificationFirstNames`).
 */
const TEXTS: Record<NotificationKind, { title: string; body: (firstName?: string) => string }> = {
  assigned: { title: 'New chat assigned', body: (name) => (name ? `${name} is waiting for your answer.` : 'A patient is waiting for your answer.') },
  urgent: { title: 'Urgent patient waiting', body: () => 'A patient answered yes to a red-flag question. Open the queue.' },
  reply: { title: 'New message', body: (name) => (name ? `${name} wrote in your chat.` : 'A patient wrote in one of your chats.') },
  mention: { title: 'You were mentioned', body: () => 'A colleague mentioned you in an internal note.' },
};

/** The first word of the name a patient gave, when the clinic lets notifications show it. */
export const firstNameOf = (displayName: string) => displayName.trim().split(/\s+/)[0] || undefined;

/**
 * Desktop notifications (the Notification API) for what needs the employee while the console is not in front of
 * them: a chat assigned, an urgent patient waiting, a patient's reply in the background, a mention. The console
 * offers them once (`offer`): the browser asks for permission only after a click on "Turn on", and "Not now" is
 * remembered on this computer. Clicking a notification brings the console forward on that chat. The title badge and
 * the sound stay as they were (notifier.ts).
 */
export class DesktopNotifier {
  private readonly shown = new Set<Notification>();

  constructor(private readonly onOpen: (sessionId: string, kind: NotificationKind) => void) {}

  private get isSupported(): boolean {
    return typeof Notification !== 'undefined';
  }

  /**
   * A bar asking once to turn notifications on: only while the browser has not decided (neither granted nor
   * blocked) and the employee has not said "Not now". Empty otherwise.
   */
  offer(): HTMLElement | '' {
    if (!this.isSupported || Notification.permission !== 'default' || localStorage.getItem(DISMISSED_KEY) === 'dismissed') return '';
    const turnOn = h('button', { type: 'button', class: 'primary' }, 'Turn on');
    const notNow = h('button', { type: 'button' }, 'Not now');
    const bar = h(
      'div',
      { class: 'notification-offer', role: 'region', 'aria-label': 'Desktop notifications' },
      h('p', {}, 'Get a desktop notification when a chat is assigned to you or a patient writes while the console is in the background.'),
      turnOn,
      notNow,
    );
    turnOn.addEventListener('click', () => {
      void Notification.requestPermission().then(() => bar.remove());
    });
    notNow.addEventListener('click', () => {
      localStorage.setItem(DISMISSED_KEY, 'dismissed');
      bar.remove();
    });
    return bar;
  }

  /** Shows one notification, if the employee allowed them; one per chat and kind at a time (a newer one replaces it). */
  notify(kind: NotificationKind, sessionId: string, firstName?: string): void {
    if (!this.isSupported || Notification.permission !== 'granted') return;
    const { title, body } = TEXTS[kind];
    const notification = new Notification(title, { body: body(firstName), tag: `${kind}-${sessionId}`, lang: 'en' });
    this.shown.add(notification);
    notification.addEventListener('close', () => this.shown.delete(notification));
    notification.addEventListener('click', () => {
      window.focus();
      this.onOpen(sessionId, kind);
      notification.close();
    });
  }

  /** Signing out: nothing about this employee's chats stays on the screen. */
  dispose(): void {
    for (const notification of this.shown) notification.close();
    this.shown.clear();
  }
}

/** The console is not in front of the employee: another tab, another window, or a minimised one. */
export const isInBackground = () => document.visibilityState !== 'visible' || !document.hasFocus();
