/**
 * `@medchat/sdk/admin`: what a clinic's admin manages — settings, opening hours, reports, webhooks, teams — on top of a signed-in
 * `MedChat` client (the clinic's quick replies are managed through `@medchat/sdk/notes`, where staff read them). A separate entry, not re-exported by the root or the staff entry, so patient apps, the widget
 * and consoles that never show admin pages do not bundle it.
 *
 *   const admin = new MedChatAdmin(client);
 *   await admin.settings.update({ firstReplySeconds: 120 });
 */
import type { MedChat } from './client';
import { Emails } from './resources/emails';
import { Hours } from './resources/hours';
import { Reports } from './resources/reports';
import { Settings } from './resources/settings';
import { Teams } from './resources/teams';
import { Webhooks } from './resources/webhooks';

/**
 * The admin resources of a client. Its requests are the client's own (its token, retries and timeout), so signing
 * the client out or in again applies here too; the server answers 403 `forbidden` to anyone but an admin.
 */
export class MedChatAdmin {
  readonly settings: Settings;
  readonly hours: Hours;
  readonly reports: Reports;
  readonly webhooks: Webhooks;
  readonly teams: Teams;
  readonly emails: Emails;

  constructor(client: MedChat) {
    this.settings = new Settings(client.http);
    this.hours = new Hours(client.http);
    this.reports = new Reports(client.http);
    this.webhooks = new Webhooks(client.http);
    this.teams = new Teams(client.http);
    this.emails = new Emails(client.http);
  }
}

export type { Settings, Hours, Reports, Webhooks, Teams, Emails };
export type { EmailNotification, EmailStatus } from './protocol/emails';
export type { ClinicHours } from './protocol/hours';
export type { ReportCsv } from './resources/reports';
export type { ClinicSettings, Report, Team, Colleague, TeamFallback } from './protocol/models';
export type {
  ClinicSettingsPatchParams,
  ReportParams,
  ReportCsvParams,
  ReportBucketSize,
  WebhookCreateParams,
  WebhookEventType,
  TeamParams,
  TeamMembersParams,
} from './protocol/requests';
export type * from './protocol/webhooks';
