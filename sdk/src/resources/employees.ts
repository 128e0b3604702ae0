import type { Availability, Employee, Me, MfaEnrolment } from '../protocol/models';
import { request, type HttpConfig } from '../core/http';
import type { Auth, CallOptions } from './auth';

export interface CreateEmployee {
  email: string;
  displayName: string;
  password: string;
  capacity?: number;
  role?: Employee['role'];
}

export interface UpdateEmployee {
  displayName?: string;
  capacity?: number;
  active?: boolean;
  /** Resets two-step sign-in for staff who lost their device (only `false`: each turns it on for themselves). */
  mfaEnabled?: false;
}

export class Employees {
  constructor(
    private readonly http: HttpConfig,
    private readonly auth: Auth,
  ) {}

  /** Employee: sets their own availability; `client.auth.user` follows. */
  async setAvailability(availability: Availability, options?: CallOptions): Promise<Me> {
    const me = await request<Me>(this.http, 'PUT', '/api/v1/employees/me/availability', { ...options, body: { availability } });
    this.auth.updateUser(me);
    return me;
  }

  changePassword(body: { currentPassword: string; newPassword: string }, options?: CallOptions): Promise<void> {
    return request(this.http, 'PUT', '/api/v1/employees/me/password', { ...options, body });
  }

  /**
   * Two-step sign-in for the signed-in employee: `start` (with the password) gives a secret for an authenticator
   * app, `confirm` (its first code) turns it on, `disable` (password and a current code) turns it off; both answer
   * with the account (`client.auth.updateUser` takes it).
   */
  mfa(step: 'start', body: { password: string }, options?: CallOptions): Promise<MfaEnrolment>;
  mfa(step: 'confirm', body: { code: string }, options?: CallOptions): Promise<Me>;
  mfa(step: 'disable', body: { password: string; code: string }, options?: CallOptions): Promise<Me>;
  mfa(step: string, body: object, options?: CallOptions): Promise<Me | MfaEnrolment> {
    return request(this.http, 'POST', `/api/v1/employees/me/mfa/${step}`, { ...options, body });
  }

  /** Admin: every employee of the clinic. */
  async list(options?: CallOptions): Promise<Employee[]> {
    return (await request<{ employees: Employee[] }>(this.http, 'GET', '/api/v1/employees', options)).employees;
  }

  /** Admin. */
  create(body: CreateEmployee, options?: CallOptions): Promise<Employee> {
    return request(this.http, 'POST', '/api/v1/employees', { ...options, body });
  }

  /** Admin. */
  update(id: string, body: UpdateEmployee, options?: CallOptions): Promise<Employee> {
    return request(this.http, 'PATCH', `/api/v1/employees/${encodeURIComponent(id)}`, { ...options, body });
  }
}
