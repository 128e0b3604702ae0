import type { Role } from '@medchat/sdk/protocol';

/**
 * Who is calling, resolved from a bearer token (./service.ts `authenticate`). The clinic always comes from here, never
 * from a body. Its own module, so services that take an actor need not import the auth service.
 */
export interface Actor {
  id: string;
  clinicId: string;
  role: Role;
  displayName: string;
  tokenHash: string;
  /** Staff of a clinic that requires two-step sign-in, who have not set it up: only the set-up is open to them. */
  mfaPending: boolean;
}
