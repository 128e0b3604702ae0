import type { AuthResult, Me, SocketTicket } from '../protocol/models';
import type { GuestParams, IdentifyParams, LoginParams } from '../protocol/requests';
import type { ResumeParams, ResumeResult } from '../protocol/emails';
import { request, type HttpConfig, type RequestOptions } from '../core/http';
import type { TokenStorage } from '../core/storage';

export type CallOptions = Pick<RequestOptions, 'signal'>;

/** Sign-in for staff (email and password) and patients (guest or identified by the clinic); keeps the result in storage. */
export class Auth {
  constructor(
    private readonly http: HttpConfig,
    private readonly storage: TokenStorage,
    /** Called whenever the signed-in identity changes. */
    private readonly onChange: () => void,
  ) {}

  /** The signed-in user, restored from storage on reload; null when signed out or expired. */
  get user(): Me | null {
    return this.current()?.user ?? null;
  }

  /** The bearer token, or undefined when signed out or expired. */
  get token(): string | undefined {
    return this.current()?.token;
  }

  /**
   * Staff sign-in. With two-step sign-in on, the first call without `code` fails with `mfa_required`: ask for the
   * code from the authenticator app and call again with it. An email with staff accounts at several clinics fails
   * with `clinic_required` (only once the password fits one): ask for the clinic's site key and call again with it.
   */
  login(body: LoginParams, options?: CallOptions): Promise<AuthResult> {
    return this.signIn('/auth/login', body, options);
  }

  /** An anonymous patient of the clinic whose site key is given. */
  guest(body: GuestParams, options?: CallOptions): Promise<AuthResult> {
    return this.signIn('/auth/guest', body, options);
  }

  /** A patient the clinic's site vouches for with a signed identity token; the same patient every time. */
  identify(body: IdentifyParams, options?: CallOptions): Promise<AuthResult> {
    return this.signIn('/auth/identify', body, options);
  }

  /**
   * Spends the `medchat_resume` token of an emailed link: signed in as its patient, with the chat's `sessionId`; a
   * link used or expired answers `{ spent }` instead and signs nobody in.
   */
  resume(body: ResumeParams, options?: CallOptions): Promise<ResumeResult> {
    return this.signIn('/auth/resume', body, options);
  }

  /** Revokes the token on the server (best effort) and always forgets it locally. */
  async logout(options?: CallOptions): Promise<void> {
    try {
      if (this.token) await request<void>(this.http, 'POST', '/auth/logout', options);
    } finally {
      this.storage.set(null);
      this.onChange();
    }
  }

  /**
   * A single-use ticket that opens the socket within 30 s (`/socket?ticket=…`). The client asks for one
   * before every connection by itself; the long-lived token never goes in a URL, where proxies would log it.
   */
  socketTicket(options?: CallOptions): Promise<SocketTicket> {
    return request<SocketTicket>(this.http, 'POST', '/socket/ticket', options);
  }

  /** Fetches the signed-in user and refreshes the stored copy. */
  async me(options?: CallOptions): Promise<Me> {
    const me = await request<Me>(this.http, 'GET', '/auth/me', options);
    this.updateUser(me);
    return me;
  }

  /** Keeps the stored user current after a change made elsewhere (e.g. availability). */
  updateUser(user: Me): void {
    const stored = this.current();
    if (stored && stored.user.id === user.id) this.storage.set({ ...stored, user });
  }

  private current(): AuthResult | null {
    const stored = this.storage.get();
    return stored && Date.parse(stored.expiresAt) > Date.now() ? stored : null;
  }

  private async signIn<T extends object = AuthResult>(path: string, body: object, options?: CallOptions): Promise<T> {
    const result = await request<T & { token?: string }>(this.http, 'POST', path, { ...options, body });
    // A spent resume link signs nobody in (and keeps whoever was).
    if (result.token) this.storage.set(result as unknown as AuthResult), this.onChange();
    return result;
  }
}
