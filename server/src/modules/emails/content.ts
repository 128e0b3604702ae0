/**
 * What an email says, built from the clinic's name and the two links only: the function cannot put anything of the
 * chat in it (no message text, no reason, no staff or patient name) because it is given none. docs/emails.md.
 */
import type { SendMailOptions } from 'nodemailer';

export interface EmailParts {
  /** Same on every attempt of one due email: a receiving server may drop a repeat by it. */
  messageId: string;
  from: { name: string; address: string };
  to: string;
  clinicName: string;
  kind: 'first' | 'reminder';
  resumeUrl: string;
  unsubscribeUrl: string;
}

export const SUBJECT = 'You have a new message';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function composeEmail(p: EmailParts): SendMailOptions {
  const lead = p.kind === 'reminder' ? `A reminder: you have a new message from ${p.clinicName}.` : `You have a new message from ${p.clinicName}.`;
  const text = [lead, '', 'Open it here (the link works once, for 24 hours):', p.resumeUrl, '', 'To stop these emails:', p.unsubscribeUrl, ''].join('\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif">
<p>${escapeHtml(lead)}</p>
<p><a href="${escapeHtml(p.resumeUrl)}">Open the message</a> (the link works once, for 24 hours).</p>
<p style="font-size:small"><a href="${escapeHtml(p.unsubscribeUrl)}">Stop these emails</a></p>
</body></html>`;
  return {
    from: { name: p.from.name, address: p.from.address },
    to: p.to,
    subject: SUBJECT,
    messageId: p.messageId,
    text,
    html,
    headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', 'Auto-Submitted': 'auto-generated' },
    list: { unsubscribe: { url: p.unsubscribeUrl, comment: 'Unsubscribe' } },
  };
}
