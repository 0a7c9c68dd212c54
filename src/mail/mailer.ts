import nodemailer from 'nodemailer';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { exponentialBackoff } from '../store/outbox.js';

/** A plain-text mail to one person. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** Sends a mail, or throws (the outbox then tries again later). */
export interface Mailer {
  send(mail: Mail): Promise<void>;
}

export interface KeptMail extends Mail {
  keptAt: Date;
}

/** Mails kept in memory instead of sent: the demo's mailbox, and a platform with no mail server set. */
export interface DemoMailbox extends Mailer {
  /** The latest mails, newest first. */
  mails(): KeptMail[];
}

/**
 * How the outbox retries a mail: from a minute, doubling, eight attempts (about four hours), well within
 * the life of the links mails carry.
 */
export const MAIL_RETRIES = { maxAttempts: 8, retryDelayMs: exponentialBackoff(60_000, 128 * 60_000) };

/** Mails kept at most: a demo's last few, not a store. */
const KEPT = 50;

/** Sends through an SMTP server (`smtp://user:password@host:587`, `smtps://…`). */
export function smtpMailer(options: { url: string; from: string; timeoutMs?: number }): Mailer {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const url = new URL(options.url);
  const secure = url.protocol === 'smtps:';
  const transport = nodemailer.createTransport(
    {
      host: url.hostname,
      port: Number(url.port) || (secure ? 465 : 587),
      secure,
      ...(url.username
        ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
        : {}),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    },
    { from: options.from },
  );
  return {
    async send(mail) {
      await transport.sendMail({ to: mail.to, subject: mail.subject, text: mail.text });
    },
  };
}

export function demoMailbox(deps: { clock: Clock; logger?: Logger }): DemoMailbox {
  const kept: KeptMail[] = [];
  return {
    async send(mail) {
      kept.unshift({ ...mail, keptAt: deps.clock.now() });
      kept.length = Math.min(kept.length, KEPT);
      // The subject only: the address and the text (a confirmation link) stay out of the log.
      deps.logger?.info(
        { subject: mail.subject },
        'mail kept in the demo mailbox (/demo/mail): no mail server set',
      );
    },
    mails: () => [...kept],
  };
}
