import type { ClinicSettings } from '../protocol/models';
import type { ClinicSettingsPatchParams } from '../protocol/requests';
import { request, type HttpConfig } from '../core/http';
import type { CallOptions } from './auth';

/** Admin: the clinic's settings (`/api/v1/clinic/settings`). */
export class Settings {
  constructor(private readonly http: HttpConfig) {}

  get(options?: CallOptions): Promise<ClinicSettings> {
    return request(this.http, 'GET', '/clinic/settings', options);
  }

  /**
   * Changes the settings given and answers all of them as stored. `null` turns a limit off (`firstReplySeconds`,
   * `awayTimeoutMinutes`, `retentionDays`). A value out of range is a 400 `invalid_request` whose `details` name
   * each field (`[{ path: '/firstReplySeconds', problem }]`), and nothing is changed. The same patch twice has the
   * same effect, so it is retried like a read.
   */
  update(patch: ClinicSettingsPatchParams, options?: CallOptions): Promise<ClinicSettings> {
    return request(this.http, 'PATCH', '/clinic/settings', { ...options, body: patch, idempotent: true });
  }
}
