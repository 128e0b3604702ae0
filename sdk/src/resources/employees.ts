import type { Availability, Employee, Me, MfaEnrolment } from '../protocol/models';
import type {
  AvailabilityParams,
  EmployeeCreateParams,
  EmployeePatchParams,
  MfaConfirmParams,
  MfaDisableParams,
  MfaStartParams,
  PasswordChangeParams,
} from '../protocol/requests';
import { request, type HttpConfig } from '../core/http';
import type { Auth, CallOptions } from './auth';

/** @deprecated The same type as `EmployeeCreateParams`. */
export type CreateEmployee = EmployeeCreateParams;
/** @deprecated The same type as `EmployeePatchParams`. */
export type UpdateEmployee = EmployeePatchParams;

export class Employees {
  constructor(
    private readonly http: HttpConfig,
    private readonly auth: Auth,
  ) {}

  /**
   * Employee: sets their own availability; `client.auth.user` follows. Going offline, `notes` leave a handover note
   * per chat held, pushed to whoever takes each over.
   */
  async setAvailability(availability: Availability, options?: CallOptions, notes?: AvailabilityParams['notes']): Promise<Me> {
    const me = await request<Me>(this.http, 'PUT', '/employees/me/availability', { ...options, body: { availability, notes } });
    this.auth.updateUser(me);
    return me;
  }

  changePassword(body: PasswordChangeParams, options?: CallOptions): Promise<void> {
    return request(this.http, 'PUT', '/employees/me/password', { ...options, body });
  }

  /**
   * Two-step sign-in for the signed-in employee: `start` (with the password) gives a secret for an authenticator
   * app, `confirm` (its first code) turns it on, `disable` (password and a current code) turns it off; both answer
   * with the account (`client.auth.updateUser` takes it).
   */
  mfa(step: 'start', body: MfaStartParams, options?: CallOptions): Promise<MfaEnrolment>;
  mfa(step: 'confirm', body: MfaConfirmParams, options?: CallOptions): Promise<Me>;
  mfa(step: 'disable', body: MfaDisableParams, options?: CallOptions): Promise<Me>;
  mfa(step: string, body: object, options?: CallOptions): Promise<Me | MfaEnrolment> {
    return request(this.http, 'POST', `/employees/me/mfa/${step}`, { ...options, body });
  }

  /** Admin: every employee of the clinic. */
  async list(options?: CallOptions): Promise<Employee[]> {
    return (await request<{ employees: Employee[] }>(this.http, 'GET', '/employees', options)).employees;
  }

  /** Admin. */
  create(body: EmployeeCreateParams, options?: CallOptions): Promise<Employee> {
    return request(this.http, 'POST', '/employees', { ...options, body });
  }

  /** Admin. `capacity: null` puts the employee back on the clinic's default capacity. */
  update(id: string, body: EmployeePatchParams, options?: CallOptions): Promise<Employee> {
    return request(this.http, 'PATCH', `/employees/${encodeURIComponent(id)}`, { ...options, body });
  }
}
