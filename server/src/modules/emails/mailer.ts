/**
 * The SMTP client (nodemailer), one per instance, built from `SMTP_URL` and signing with DKIM when the three DKIM
 * settings are given. An attempt's outcome is sorted into sent, refused for good (an SMTP 5xx: that address gets no
 * more mail) and failed for now (anything else: retried).
 */
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import type { Config } from '../../config';

export type Outcome = { ok: true } | { ok: false; permanent: boolean; error: string };

export interface Mailer {
  send(message: SendMailOptions): Promise<Outcome>;
  close(): void;
}

export function createMailer(config: Pick<Config, 'smtpUrl' | 'dkimDomain' | 'dkimSelector' | 'dkimPrivateKey'>): Mailer | null {
  if (!config.smtpUrl) return null;
  const dkim =
    config.dkimDomain && config.dkimSelector && config.dkimPrivateKey
      ? { domainName: config.dkimDomain, keySelector: config.dkimSelector, privateKey: config.dkimPrivateKey.replace(/\\n/g, '\n') }
      : undefined;
  const url = new URL(config.smtpUrl);
  const transport: Transporter = nodemailer.createTransport({
    host: url.hostname,
    port: Number(url.port) || (url.protocol === 'smtps:' ? 465 : 587),
    secure: url.protocol === 'smtps:',
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
    dkim,
  });
  return {
    async send(message) {
      try {
        await transport.sendMail(message);
        return { ok: true };
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        const permanent = typeof code === 'number' && code >= 500 && code < 600;
        // The code and nodemailer's kind of failure only: a server's answer may quote the address.
        return { ok: false, permanent, error: code ? `smtp ${code}` : ((error as { code?: string }).code ?? 'connection failed') };
      }
    },
    close: () => transport.close(),
  };
}
