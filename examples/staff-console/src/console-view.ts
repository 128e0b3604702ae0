import { isMedChatError, type MedChat } from '@medchat/sdk';
import { AdminView } from './admin-view';
import { ChatTabs } from './chat-tabs';
import { h } from './dom';
import { errorText } from './format';
import { Notifier } from './notifier';
import { QueueView } from './queue-view';
import { StatusBar } from './status-bar';

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
  const tabs = new ChatTabs(client, ({ unread, held }) => {
    notifier.setCount(unread);
    status.showLoad(held);
  });
  const admin = me.role === 'admin' ? new AdminView(client) : null;
  const problem = h('p', { class: 'error', role: 'alert' });
  const report = (e: unknown) => {
    // The clinic began to require two-step sign-in while this console was open: set it up first.
    if (isMedChatError(e) && e.code === 'mfa_setup_required') void client.auth.me().then(onSetupRequired, () => {});
    else problem.textContent = errorText(e);
  };

  root.replaceChildren(status.element, problem, h('main', { class: 'layout' }, h('aside', {}, queue.element), tabs.element), admin?.element ?? '');

  /**
   * Everything that may have changed while the socket was down, or before it first opened: three requests however
   * many chats are open (each open chat catches up by itself when the SDK resubscribes it).
   */
  const catchUp = async () => {
    queue.refresh();
    admin?.refresh();
    const active = await client.sessions.list({ status: 'active' });
    for (const session of active) if (session.employee?.id === me.id) tabs.open(session);
  };

  const stops = [
    client.on('state', ({ state }) => {
      status.setConnection(state);
      if (state === 'open') void catchUp().catch(report);
      // A fatal close (e.g. the token was revoked): back to sign-in if the server no longer knows us.
      if (state === 'offline') void client.auth.me().catch((e) => (isMedChatError(e) && e.status === 401 ? onSignOut() : report(e)));
    }),
    client.on('employee.assigned', ({ session, handover }) => {
      tabs.open(session, { isNew: true, handover });
      notifier.beep();
    }),
    client.on('employee.unassigned', ({ session, reason }) => tabs.unassigned(session, reason)),
    client.on('availability.changed', ({ userId, availability }) => {
      if (userId === me.id) status.setAvailability(availability);
      admin?.refresh();
    }),
    client.on('queue.changed', () => {
      queue.refresh();
      admin?.refresh();
    }),
    client.on('session.ended', () => admin?.refresh()),
    // A patient answered yes to a red flag and went on (or a colleague raised one): the queue shows it first.
    client.on('session.prioritized', ({ sessionId, priority, waiting, changedBy }) => {
      queue.refresh();
      tabs.prioritized(sessionId, priority);
      if (priority === 'urgent' && waiting && changedBy !== me.id) notifier.urgent();
    }),
  ];

  client.connect();
  void catchUp().catch(report);

  return () => {
    for (const stop of stops) stop();
    tabs.dispose();
    queue.dispose();
    notifier.dispose();
  };
}
