import type { ClinicPublic } from '../protocol/models';
import { request, type HttpConfig } from '../core/http';
import type { CallOptions } from './auth';

export class Clinics {
  constructor(private readonly http: HttpConfig) {}

  /** What a widget may show before anyone signs in: name, emergency text, brand colour. */
  getPublic(siteKey: string, options?: CallOptions): Promise<ClinicPublic> {
    return request(this.http, 'GET', `/api/v1/clinics/${encodeURIComponent(siteKey)}`, options);
  }
}
