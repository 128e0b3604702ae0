import type { ClinicPublic } from '../protocol/models';
import { request, type HttpConfig } from '../core/http';
import type { CallOptions } from './auth';

export class Clinics {
  constructor(private readonly http: HttpConfig) {}

  /**
   * What a widget may show before anyone signs in: name, emergency text, brand colour, and `hours`: open now or
   * not, staff available, the next opening (live changes: `client.on('clinic.opened' | 'clinic.closed')`).
   */
  getPublic(siteKey: string, options?: CallOptions): Promise<ClinicPublic> {
    return request(this.http, 'GET', `/clinics/${encodeURIComponent(siteKey)}`, options);
  }
}
