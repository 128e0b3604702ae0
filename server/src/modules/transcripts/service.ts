/**
 * A session's transcript for filing in a chart, as plain text or PDF (./pdf.ts), the same content in both: the
 * clinic, the patient (and the clinic's own patient id when known), the times, every message in order and the
 * custody record with reasons and handover notes.
 * For staff who may read the session and admins; each download is one audit row (`transcript.downloaded`).
 */
import type { AppContext } from '../../context';
import { AppError } from '../../lib/errors';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/service';
import { loadCharts } from '../fhir/service';
import { readableSession } from '../sessions/access';
import { formatTranscript, transcriptParts } from './parts';
import { transcriptPdf } from './pdf';

/** The formats a transcript downloads in. */
export type TranscriptFormat = 'text' | 'pdf';

export async function downloadTranscript(ctx: AppContext, actor: Actor, sessionId: string, format: TranscriptFormat, ip: string | null) {
  if (actor.role === 'patient') throw new AppError('forbidden');
  await readableSession(ctx.db, actor, sessionId);
  const [chart] = await loadCharts(ctx.db, actor.clinicId, [sessionId]);
  if (!chart) throw new AppError('session_not_found');
  const parts = transcriptParts(chart, new Date());
  // Laid out before the audit row: a transcript that fails to render was not handed out.
  const body = format === 'pdf' ? await transcriptPdf(parts, chart.session.clinic.name) : formatTranscript(parts);
  await recordAudit(ctx.db, { clinicId: actor.clinicId, actorId: actor.id, action: 'transcript.downloaded', sessionId, ip });
  return body;
}
