/** WebSocket close codes the server uses, and what a client should do about each. */
export const CLOSE_CODES = {
  normal: 1000,
  /** Server shutting down or restarting: reconnect, ideally to another instance. */
  goingAway: 1001,
  /** Policy violation, e.g. the token was revoked: do not reconnect with the same token. */
  policyViolation: 1008,
  /** A frame was larger than the limit. */
  messageTooBig: 1009,
  /** The token is missing, invalid or expired. */
  unauthorized: 4001,
  /** The page's origin is not on the clinic's allowlist. */
  originNotAllowed: 4003,
  /** Too many rate-limit violations on this connection. */
  rateLimited: 4008,
  /** The client did not read fast enough; reconnect and resume from the last seq. */
  slowConsumer: 4009,
} as const;

export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];

/** Close codes after which reconnecting with the same credentials is pointless. */
export const FATAL_CLOSE_CODES: readonly number[] = [CLOSE_CODES.policyViolation, CLOSE_CODES.unauthorized, CLOSE_CODES.originNotAllowed];
