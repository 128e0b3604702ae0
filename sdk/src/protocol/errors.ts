/**
 * The single table of error codes. Codes are stable and never renamed; each has its HTTP status,
 * whether a client may retry the same request, and an English default message.
 * Zero dependencies: the SDK, the widget and the server all read it.
 */
export const ERRORS = {
  invalid_request: { status: 400, retryable: false, message: 'The request is malformed or fails validation.' },
  unauthorized: { status: 401, retryable: false, message: 'Authentication is required.' },
  invalid_credentials: { status: 401, retryable: false, message: 'Email or password is incorrect.' },
  mfa_required: { status: 401, retryable: false, message: 'Enter the code from your authenticator app.' },
  clinic_required: { status: 400, retryable: false, message: 'This email is used at several clinics: name the clinic to sign in.' },
  invalid_mfa_code: { status: 400, retryable: false, message: 'The code is wrong or was already used; enter the current one.' },
  invalid_token: { status: 401, retryable: false, message: 'The token is invalid, expired or revoked.' },
  invalid_identity_token: { status: 401, retryable: false, message: 'The identity token is invalid, expired or for another clinic.' },
  forbidden: { status: 403, retryable: false, message: 'You may not do this.' },
  origin_not_allowed: { status: 403, retryable: false, message: 'This site is not allowed to use this clinic’s chat.' },
  mfa_setup_required: { status: 403, retryable: false, message: 'Your clinic requires two-step sign-in: set it up first.' },
  not_assigned: { status: 403, retryable: false, message: 'You are not assigned to this session.' },
  not_found: { status: 404, retryable: false, message: 'Not found.' },
  session_not_found: { status: 404, retryable: false, message: 'Session not found.' },
  link_invalid: { status: 404, retryable: false, message: 'This link is not valid.' },
  clinic_not_found: { status: 404, retryable: false, message: 'Clinic not found.' },
  user_not_found: { status: 404, retryable: false, message: 'User not found.' },
  session_ended: { status: 409, retryable: false, message: 'The session has ended.' },
  idempotency_conflict: { status: 409, retryable: false, message: 'This client message id was already used for a different message.' },
  email_taken: { status: 409, retryable: false, message: 'An account with this email already exists.' },
  conflict: { status: 409, retryable: false, message: 'The request conflicts with the current state.' },
  team_not_found: { status: 404, retryable: false, message: 'Team not found.' },
  team_in_use: { status: 409, retryable: false, message: 'A topic of the intake routes to this team: change the topic first.' },
  transfer_to_self: { status: 409, retryable: false, message: 'You already hold this chat: choose a colleague.' },
  colleague_unavailable: { status: 409, retryable: false, message: 'This colleague is not available now.' },
  colleague_at_capacity: { status: 409, retryable: false, message: 'This colleague has no room for another chat now.' },
  not_team_member: { status: 409, retryable: false, message: 'This colleague is not a member of that team.' },
  history_unavailable: { status: 410, retryable: false, message: 'The requested history is no longer available; reload the session.' },
  method_not_allowed: { status: 405, retryable: false, message: 'This path does not take this method.' },
  attachment_not_found: { status: 404, retryable: false, message: 'Attachment not found.' },
  attachment_link_invalid: { status: 403, retryable: false, message: 'This link has expired or is not valid: open the file from the chat again.' },
  too_many_attachments: { status: 422, retryable: false, message: 'A message carries more files than this clinic allows.' },
  file_unreadable: { status: 422, retryable: false, message: 'The file could not be read as the image or PDF it appears to be.' },
  file_too_large: { status: 413, retryable: false, message: 'The file is larger than this clinic allows.' },
  unsupported_file_type: { status: 415, retryable: false, message: 'Only photos (JPEG, PNG, WebP, HEIC) and PDF documents can be sent.' },
  payload_too_large: { status: 413, retryable: false, message: 'The request is too large.' },
  unsupported_media_type: { status: 415, retryable: false, message: 'Request bodies must be JSON (Content-Type: application/json).' },
  message_too_long: { status: 422, retryable: false, message: 'The message is longer than 4,000 characters.' },
  rate_limited: { status: 429, retryable: true, message: 'Too many requests; slow down.' },
  internal_error: { status: 500, retryable: true, message: 'Something went wrong on our side.' },
  database_unavailable: { status: 503, retryable: true, message: 'The service is temporarily unavailable.' },
} as const satisfies Record<string, { status: number; retryable: boolean; message: string }>;

export type KnownErrorCode = keyof typeof ERRORS;
/** Known codes, or any string so that older clients survive codes added later. */
export type ErrorCode = KnownErrorCode | (string & {});

/** The HTTP error envelope: `{"error":{"code","message","requestId","details"?}}`. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId?: string; details?: unknown };
}

export const MAX_MESSAGE_LENGTH = 4000;
