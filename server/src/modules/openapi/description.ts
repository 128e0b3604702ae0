/** The document's introduction: what a clinic's developer needs before the first call (Markdown). */
export const DESCRIPTION = `The HTTP API of MedChat, the open-source patient chat for clinics: patients start a chat from a clinic's
site, staff answer from a console, and an assignment engine routes waiting patients to available staff.

**Signing in.** Staff log in with \`POST /api/v1/auth/login\`; patients start as guests
(\`POST /api/v1/auth/guest\`) or sign in with an identity token, a JWT (HS256) that the clinic's backend signs with
the clinic's identity secret (\`POST /api/v1/auth/identify\`; claims \`sub\`, \`name\`, \`aud\` = the site key,
\`iat\`, \`exp\` at most 10 minutes ahead). Each answers a token; send it as \`Authorization: Bearer <token>\`.
Operations that need one list the \`bearer\` scheme, with the roles they take.

**Requests.** Bodies are JSON objects in UTF-8 (\`Content-Type: application/json\`), at most 256 KB: anything else
is refused (415, 413, 400) before a route runs, and a refused request changes nothing. Integer fields take JSON
numbers, never numeric strings; text fields give their longest length (\`maxLength\`), counted after NFC
normalization: longer is refused, never cut.

**Errors.** Every error is \`{"error":{"code","message","requestId","details"?}}\` (the \`Error\` schema). The
code is stable and tells what happened; each status below lists the codes an operation answers with it, one
example each. Someone who may not see a session gets 404 \`session_not_found\` from every route, whatever its
state. 429 and 503 come with \`Retry-After\`; 503 \`database_unavailable\` and 500 may be retried.

**Realtime.** Messages, typing and assignments arrive over a WebSocket at \`GET /api/v1/socket?ticket=…\`, opened
with a single-use ticket from \`POST /api/v1/socket/ticket\` (the bearer token never goes in a URL). The frames
are the \`ClientFrame\` and \`ServerFrame\` unions of the protocol module, each described with its close codes in the
AsyncAPI 3 document at \`GET /asyncapi/json\`; \`@medchat/sdk\` speaks them for you.`;

/** What each tag groups. */
export const TAGS: Record<string, string> = {
  auth: 'Signing in and out, and socket tickets',
  clinics: 'A clinic: its public face for the widget, and its settings for admins',
  sessions: 'Chats: start, list, follow the queue, end, hand over',
  messages: 'A chat’s messages and read markers',
  employees: 'Staff: one’s own account, and the clinic’s staff for admins',
  audit: 'The audit log, for admins',
  reports: 'Figures for admins: chats started, waiting times, chats per employee, hand-overs, by day or hour',
  health: 'Probes for load balancers and orchestrators',
};
