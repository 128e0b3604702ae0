import { isMedChatError } from '@medchat/sdk';
import type { MedChatAdmin, WebhookDelivery, WebhookEndpoint, WebhookEndpointWithSecret, WebhookEventType } from '@medchat/sdk/admin';
import { h, isolate, isolated } from './dom';
import { dateTime, errorText } from './format';

/** Every event an endpoint may subscribe to, in words (a Record, so a new event type fails the build until it has them). */
const EVENTS: Record<WebhookEventType, string> = {
  'session.started': 'A chat started',
  'session.assigned': 'A chat got an employee',
  'session.transferred': 'A chat went to another employee',
  'session.requeued': 'A chat went back to the queue',
  'session.ended': 'A chat ended',
  'message.created': 'A message was written',
};

const STATUS_WORDS: Record<WebhookDelivery['status'], string> = { pending: 'pending', delivered: 'delivered', failed: 'failed' };

const head = (...labels: string[]) => h('thead', {}, h('tr', {}, ...labels.map((l) => h('th', { scope: 'col' }, l))));

/**
 * Admins only: the clinic's webhook endpoints (docs/webhooks.md). Register one (its signing secret is shown once,
 * here), rotate its secret, delete it, and read its delivery log (attempts, the last answer and its latency) with
 * a replay per delivery. The log is read when asked for, not on the console's live refreshes.
 */
export class WebhooksView {
  readonly element: HTMLElement;
  private readonly url = h('input', { id: 'webhook-url', type: 'url', placeholder: 'https://records.example-clinic.org/medchat', autocomplete: 'off' });
  private readonly events = (Object.keys(EVENTS) as WebhookEventType[]).map((type) =>
    h('input', { type: 'checkbox', value: type, id: `webhook-event-${type}`, checked: type === 'session.started' || type === 'session.ended' }),
  );
  private readonly status = h('p', { role: 'status', class: 'muted' });
  private readonly secret = h('div', { class: 'secret-notice', role: 'region', 'aria-labelledby': 'webhook-secret-title', hidden: true });
  private readonly endpoints = h('tbody');
  private readonly log = h('section', { class: 'delivery-log', 'aria-labelledby': 'webhook-log-title', hidden: true });
  /** The endpoint whose log is shown. */
  private logOf: WebhookEndpoint | null = null;

  constructor(private readonly admin: MedChatAdmin) {
    const form = h(
      'form',
      { class: 'webhook-form', 'aria-labelledby': 'webhook-form-title', novalidate: true },
      h('h4', { id: 'webhook-form-title' }, 'Register an endpoint'),
      h('label', { for: 'webhook-url' }, 'Endpoint URL (https)'),
      this.url,
      h(
        'fieldset',
        {},
        h('legend', {}, 'Events to send'),
        ...this.events.map((input) => h('label', { class: 'check' }, input, ` ${EVENTS[input.value as WebhookEventType]}`)),
      ),
      h('button', { type: 'submit', class: 'primary' }, 'Register endpoint'),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.register();
    });
    this.element = h(
      'section',
      { class: 'webhooks', 'aria-labelledby': 'webhooks-title' },
      h('h3', { id: 'webhooks-title' }, 'Webhooks'),
      h(
        'p',
        { class: 'muted' },
        'Your systems get a signed request for each chat event they subscribe to: ids only; a message’s text only if the clinic settings allow it.',
      ),
      this.status,
      this.secret,
      h(
        'div',
        { class: 'table-frame', role: 'region', 'aria-labelledby': 'webhooks-title', tabindex: 0 },
        h('table', { 'aria-labelledby': 'webhooks-title', class: 'webhook-table' }, head('URL', 'Events', 'Registered', 'Actions'), this.endpoints),
      ),
      this.log,
      form,
    );
  }

  async load(): Promise<void> {
    try {
      const endpoints = await this.admin.webhooks.list();
      this.endpoints.replaceChildren(...endpoints.map((e) => this.endpointRow(e)));
      if (endpoints.length === 0) this.endpoints.replaceChildren(h('tr', {}, h('td', { colspan: 4 }, 'No endpoints yet.')));
      if (this.logOf && !endpoints.some((e) => e.id === this.logOf!.id)) this.hideLog();
    } catch (e) {
      this.status.textContent = `Could not load the webhooks: ${errorText(e)}`;
    }
  }

  private async register(): Promise<void> {
    const events = this.events.filter((i) => i.checked).map((i) => i.value as WebhookEventType);
    if (!this.url.value.trim()) return void (this.status.textContent = 'Not registered: enter the endpoint’s URL.');
    if (events.length === 0) return void (this.status.textContent = 'Not registered: choose at least one event.');
    this.status.textContent = 'Registering…';
    try {
      const created = await this.admin.webhooks.create({ url: this.url.value.trim(), events });
      this.url.value = '';
      this.status.textContent = 'Registered.';
      this.showSecret(created, 'registered');
      await this.load();
    } catch (e) {
      // The server names what is wrong with the URL ("https only", "host not found"…) in the error's details.
      const problem = isMedChatError(e) ? (e.details as { field?: string; problem?: string } | undefined) : undefined;
      this.status.textContent = `Not registered: ${problem?.field === 'url' && problem.problem ? `the URL: ${problem.problem}.` : errorText(e)}`;
    }
  }

  /** The secret, once: the server never shows it again. */
  private showSecret(endpoint: WebhookEndpointWithSecret, what: 'registered' | 'rotated'): void {
    const done = h('button', { type: 'button' }, 'I stored it');
    done.addEventListener('click', () => {
      this.secret.replaceChildren();
      this.secret.hidden = true;
    });
    this.secret.replaceChildren(
      h('h4', { id: 'webhook-secret-title' }, what === 'registered' ? 'Signing secret of the new endpoint' : 'New signing secret'),
      h('p', {}, 'For ', isolate(endpoint.url), '. Store it in the receiving system now: it is not shown again.'),
      ...(what === 'rotated' ? [h('p', { class: 'muted' }, `The previous secret keeps signing too until ${dateTime(endpoint.previousSecretUntil!)}.`)] : []),
      h('code', { class: 'secret', 'data-testid': 'webhook-secret' }, endpoint.secret),
      h('p', {}, done),
    );
    this.secret.hidden = false;
    done.focus();
  }

  private endpointRow(endpoint: WebhookEndpoint): HTMLTableRowElement {
    const name = isolated(endpoint.url);
    const logButton = h('button', { type: 'button', 'aria-label': `Delivery log of ${name}` }, 'Delivery log');
    const rotate = h('button', { type: 'button', 'aria-label': `Rotate secret of ${name}` }, 'Rotate secret');
    const remove = h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${name}` }, 'Delete');
    logButton.addEventListener('click', () => void this.showLog(endpoint));
    rotate.addEventListener('click', async () => {
      if (!confirm(`Rotate the signing secret of ${name}? The old one keeps working for 24 hours.`)) return;
      try {
        this.showSecret(await this.admin.webhooks.rotateSecret(endpoint.id), 'rotated');
        this.status.textContent = 'Secret rotated.';
        await this.load();
      } catch (e) {
        this.status.textContent = `Not rotated: ${errorText(e)}`;
      }
    });
    remove.addEventListener('click', async () => {
      if (!confirm(`Delete ${name}? Its pending deliveries are dropped.`)) return;
      try {
        await this.admin.webhooks.delete(endpoint.id);
        this.status.textContent = 'Endpoint deleted.';
        await this.load();
      } catch (e) {
        this.status.textContent = `Not deleted: ${errorText(e)}`;
      }
    });
    return h(
      'tr',
      { 'data-endpoint-id': endpoint.id },
      h('td', {}, isolate(endpoint.url)),
      h('td', {}, endpoint.events.join(', ')),
      h('td', {}, h('time', { datetime: endpoint.createdAt }, dateTime(endpoint.createdAt))),
      h('td', {}, h('span', { class: 'actions' }, logButton, rotate, remove)),
    );
  }

  private hideLog(): void {
    this.logOf = null;
    this.log.hidden = true;
    this.log.replaceChildren();
  }

  private async showLog(endpoint: WebhookEndpoint): Promise<void> {
    this.logOf = endpoint;
    const refresh = h('button', { type: 'button' }, 'Refresh log');
    refresh.addEventListener('click', () => void this.showLog(endpoint));
    const close = h('button', { type: 'button' }, 'Close');
    close.addEventListener('click', () => this.hideLog());
    const body = h('tbody');
    const logStatus = h('p', { role: 'status', class: 'muted' }, 'Loading…');
    this.log.replaceChildren(
      h(
        'div',
        { class: 'chat-header' },
        h('h4', { id: 'webhook-log-title' }, 'Deliveries to ', isolate(endpoint.url)),
        h('span', { class: 'actions' }, refresh, close),
      ),
      logStatus,
      h(
        'div',
        { class: 'table-frame', role: 'region', 'aria-labelledby': 'webhook-log-title', tabindex: 0 },
        h(
          'table',
          { 'aria-labelledby': 'webhook-log-title', class: 'delivery-table' },
          head('Event', 'Status', 'Attempts', 'Last answer', 'Latency', 'Last attempt', ''),
          body,
        ),
      ),
    );
    this.log.hidden = false;
    try {
      const deliveries = await this.admin.webhooks.deliveries(endpoint.id);
      if (this.logOf !== endpoint) return;
      body.replaceChildren(...deliveries.map((d) => this.deliveryRow(endpoint, d, logStatus)));
      if (deliveries.length === 0) body.replaceChildren(h('tr', {}, h('td', { colspan: 7 }, 'No deliveries yet.')));
      logStatus.textContent = deliveries.length ? `The latest ${deliveries.length}, newest first.` : '';
    } catch (e) {
      logStatus.textContent = `Could not load the log: ${errorText(e)}`;
    }
  }

  private deliveryRow(endpoint: WebhookEndpoint, d: WebhookDelivery, logStatus: HTMLElement): HTMLTableRowElement {
    const replay = h('button', { type: 'button', 'aria-label': `Replay ${d.type} of ${dateTime(d.lastAttemptAt ?? endpoint.createdAt)}` }, 'Replay');
    replay.addEventListener('click', async () => {
      try {
        await this.admin.webhooks.replay(endpoint.id, d.id);
        logStatus.textContent = 'Queued to send again now.';
        replay.disabled = true;
      } catch (e) {
        logStatus.textContent = `Not replayed: ${errorText(e)}`;
      }
    });
    const answer = d.lastStatus !== null ? `HTTP ${d.lastStatus}` : (d.lastError ?? '–');
    const next = d.status === 'pending' && d.nextAttemptAt ? `, next ${dateTime(d.nextAttemptAt)}` : '';
    return h(
      'tr',
      { 'data-delivery-id': d.id, 'data-status': d.status },
      h('td', {}, EVENTS[d.type as WebhookEventType] ?? d.type),
      h('td', { class: 'delivery-status' }, `${STATUS_WORDS[d.status]}${next}`),
      h('td', {}, d.attempts),
      h('td', {}, answer),
      h('td', {}, d.lastLatencyMs === null ? '–' : `${d.lastLatencyMs} ms`),
      h('td', {}, d.lastAttemptAt ? h('time', { datetime: d.lastAttemptAt }, dateTime(d.lastAttemptAt)) : '–'),
      h('td', {}, d.status === 'pending' ? '' : replay),
    );
  }
}
