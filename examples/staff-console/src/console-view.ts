import { isMedChatError, type MedChat } from '@medchat/sdk';
import { AdminView } from './admin-view';
import { ChatInbox } from './chat-inbox';
import { DesktopNotifier, firstNameOf, isInBackground, type NotificationKind } from './desktop-notifier';
import { h } from './dom';
import { errorText } from './format';
import { Notifier } from './notifier';
import { QueueView } from './queue-view';
import { StaffExtras } from './staff-extras';
import { installShortcuts } from './shortcuts';
import { StatusBar } from './status-bar';
import { MentionToasts } from './mention-toasts';

/**
 * The signed-in console: composes the views and routes the SDK's live events to them. This is the one place
 * that knows which event updates which view. Returns a function that tears everything down.
 */
export function mountConsole(root: HTMLElement, client: MedChat, onSignOut: () => void, onSetupRequired: () => void): () => void {
  const me = client.auth.user!;
  const notifier = new Notifier();
  const status = new StatusBar(client, notifier, onSignOut);
  const queue = new QueueView(client);
  // Load is counted from the chats this console holds, which the socket's events keep current: no request per event.
  const extras = new StaffExtras(client);
  const mentions = new MentionToasts();
  const inbox = new ChatInbox(
    client,
    ({ unread, held }) => {
      notifier.setCount(unread);
      status.showLoad(held);
    },
    extras,
    (session) => notifyAway('reply', session.id, session.patient.displayName),
  );
  // A click on a notification: the chat, if this console has it open; else the queue (an urgent patient waits there).
  const desktop = new DesktopNotifier((sessionId) => inbox.focusChat(sessionId) || queue.element.scrollIntoView({ block: 'nearest' }));
  /** A desktop notification, only while the console is not in front of the employee (in front, the page shows it). */
  const notifyAway = (kind: NotificationKind, sessionId: string, patientName?: string) => {
    if (!isInBackground()) return;
    desktop.notify(kind, sessionId, me.notificationFirstNames && patientName ? firstNameOf(patientName) : undefined);
  };
  const admin = me.role === 'admin' ? new AdminView(client, () => extras.forgetQuickReplies()) : null;
  const problem = h('p', { class: 'error', role: 'alert' });
  const report = (e: unknown) => {
    // The clinic began to require two-step sign-in while this console was open: set it up first.
    if (isMedChatError(e) && e.code === 'mfa_setup_required') void client.auth.me().then(onSetupRequired, () => {});
    else problem.textContent = errorText(e);
  };

  // The list of chats with the queue under it, beside the open chat (chat-inbox.ts lays them out).
  inbox.addToSidebar(queue.element);
  const shortcuts = installShortcuts(inbox);
  root.replaceChildren(status.element, desktop.offer(), problem, mentions.element, inbox.element, admin?.element ?? '', shortcuts.element);

  /**
   * Everything that may have changed while the socket was down, or before it first opened: three requests however
   * many chats are open (each open chat catches up by itself when the SDK resubscribes it).
   */
  const catchUp = async () => {
    queue.refresh();
    admin?.refresh();
    const active = await client.sessions.list({ status: 'active' });
    for (const session of active) if (session.employee?.id === me.id) inbox.open(session);
  };

  const stops = [
    client.on('state', ({ state }) => {
      status.setConnection(state);
      if (state === 'open') void catchUp().catch(report);
      // A fatal close (e.g. the token was revoked): back to sign-in if the server no longer knows us.
      if (state === 'offline') void client.auth.me().catch((e) => (isMedChatError(e) && e.status === 401 ? onSignOut() : report(e)));
    }),
    client.on('employee.assigned', ({ session, handover }) => {
      inbox.open(session, { isNew: true, handover });
      notifier.beep();
      notifyAway('assigned', session.id, session.patient.displayName);
    }),
    client.on('employee.unassigned', ({ session, reason }) => inbox.unassigned(session, reason)),
    client.on('availability.changed', ({ userId, availability }) => {
      if (userId === me.id) status.setAvailability(availability);
      admin?.refresh();
    }),
    client.on('queue.changed', () => {
      queue.refresh();
      admin?.refresh();
    }),
    client.on('session.ended', () => admin?.refresh()),
    // Internal notes: shown in the open chat they belong to; a colleague who mentions me is announced.
    client.on('note.created', ({ note }) => inbox.noteCreated(note)),
    client.on('note.mentioned', ({ note }) => {
      mentions.show(note);
      notifier.beep();
      notifyAway('mention', note.sessionId);
    }),
    // A patient answered yes to a red flag and went on (or a colleague raised one): the queue shows it first.
    client.on('session.prioritized', ({ sessionId, priority, waiting, changedBy }) => {
      queue.refresh();
      inbox.prioritized(sessionId, priority);
      if (priority === 'urgent' && waiting && changedBy !== me.id) {
        notifier.urgent();
        notifyAway('urgent', sessionId);
      }
    }),
  ];

  client.connect();
  void catchUp().catch(report);

  return () => {
    for (const stop of stops) stop();
    inbox.dispose();
    shortcuts.dispose();
    queue.dispose();
    notifier.dispose();
    desktop.dispose();
    mentions.dispose();
  };
}
