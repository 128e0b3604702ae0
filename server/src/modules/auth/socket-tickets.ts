/**
 * Socket tickets. A browser cannot set headers on a WebSocket, so whatever opens one travels in its URL, and URLs
 * end up in proxies' and servers' access logs. The URL therefore never carries the long-lived bearer token: the
 * client asks for a ticket over HTTP (`POST /api/v1/socket/ticket`, with the token in its header) right before
 * each connection, and opens the socket with `?ticket=`. A ticket is 256 random bits, stored only as its SHA-256
 * hash, good for one upgrade within 30 s, and bound to the token that asked for it: its user and clinic, and its
 * revocation (a ticket of a token revoked since is refused). Tickets live in Postgres, so one asked of any instance
 * opens a socket on any other; spending one is a single `DELETE … RETURNING`, so of two upgrades racing with the
 * same ticket only one gets it (server/src/modules/realtime/handshake.test.ts).
 */
import { eq, lt, sql } from 'drizzle-orm';
import type { SocketTicket } from '@medchat/sdk/protocol';
import type { Queryable } from '../../db/client';
import { socketTickets } from '../../db/schema';
import { hashToken, newToken } from '../../lib/tokens';
import { actorOfToken } from './service';
import type { Actor } from './actor';

export const SOCKET_TICKET_TTL_SECONDS = 30;

/** A new ticket for the caller's token. Expiry is the database's clock, which every instance shares. */
export async function issueSocketTicket(q: Queryable, actor: Actor): Promise<SocketTicket> {
  // Tickets never used are cleared as new ones are asked for: the index finds the few that expired since.
  await q.delete(socketTickets).where(lt(socketTickets.expiresAt, sql`now()`));
  const ticket = newToken();
  const [row] = await q
    .insert(socketTickets)
    .values({ ticketHash: hashToken(ticket), tokenHash: actor.tokenHash, expiresAt: sql`now() + make_interval(secs => ${SOCKET_TICKET_TTL_SECONDS})` })
    .returning({ expiresAt: socketTickets.expiresAt });
  return { ticket, expiresAt: row!.expiresAt.toISOString() };
}

/**
 * Spends a ticket, used or not: the actor of the token it was issued to, or null when it is unknown, spent,
 * expired, or its token no longer works (revoked, expired, account deactivated).
 */
export async function redeemSocketTicket(q: Queryable, ticket: string | null): Promise<Actor | null> {
  if (!ticket || ticket.length > 200) return null;
  const [row] = await q
    .delete(socketTickets)
    .where(eq(socketTickets.ticketHash, hashToken(ticket)))
    .returning({ tokenHash: socketTickets.tokenHash, isFresh: sql<boolean>`${socketTickets.expiresAt} > now()` });
  return row?.isFresh ? actorOfToken(q, row.tokenHash) : null;
}
