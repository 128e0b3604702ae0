import type { ClinicHours } from '../protocol/hours';
import { request, type HttpConfig } from '../core/http';
import type { CallOptions } from './auth';

/**
 * Admin: the clinic's opening hours (`/api/v1/clinic/hours`). What patients see of them (open now, the next opening)
 * is on the main entry, in `client.clinics.getPublic()` and the `clinic.opened` / `clinic.closed` events.
 */
export class Hours {
  constructor(private readonly http: HttpConfig) {}

  get(options?: CallOptions): Promise<ClinicHours> {
    return request(this.http, 'GET', '/clinic/hours', options);
  }

  /** Replaces the hours and answers them as stored. A PUT: the same hours twice have the same effect, so it is retried like a read. */
  set(hours: ClinicHours, options?: CallOptions): Promise<ClinicHours> {
    return request(this.http, 'PUT', '/clinic/hours', { ...options, body: hours, idempotent: true });
  }
}
