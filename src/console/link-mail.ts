import { isAuthError } from '../auth/errors.js';
import type { AuthService } from '../auth/service.js';
import { MAIL_RETRIES, type Mailer } from '../mail/mailer.js';
import { enqueueEvent, type OutboxHandler } from '../store/outbox.js';
import type { SharedDb } from '../store/store.js';
import { fill, type Locale } from '../web/i18n.js';
import { accountMessages } from './account-messages.js';

/** The one-time links Tijara mails to console people: to choose a first password, or a new one. */
export type MailedLinkPurpose = 'invitation' | 'password_reset';

/**
 * How long each link works from the moment its mail leaves, in the units the messages give it: an
 * invitation's {days}, a new password's {hours}.
 */
export const LINK_LIFETIME = { days: 7, hours: 24 };

const LIFETIME_MS: Record<MailedLinkPurpose, number> = {
  invitation: LINK_LIFETIME.days * 86_400_000,
  password_reset: LINK_LIFETIME.hours * 3_600_000,
};

/** The page of the console each link opens. */
const LINK_PATH: Record<MailedLinkPurpose, string> = {
  invitation: '/console/invitation',
  password_reset: '/console/password-reset',
};

const MAIL_TOPIC = 'console.link_mail';

interface LinkMailPayload {
  userId: string;
  purpose: MailedLinkPurpose;
  /** The language of the mail and of the page its link opens. */
  locale: Locale;
}

export interface LinkMail {
  /** Queues, with the caller's commit, a mail carrying a one-time link to the person's own address. */
  queue(trx: SharedDb, mail: LinkMailPayload): Promise<void>;
  outboxHandlers: OutboxHandler[];
}

/**
 * Mails one-time links to console people, so that nobody else ever holds one: an administrator who
 * invites a person or resets a password, like a visitor on "Forgot your password?", only has the mail
 * sent. The link is made when the mail leaves (a mail sent again carries a new one), so no table keeps
 * it but as the hash every one-time link has; the first link used spends the person's others.
 */
export function createLinkMail(deps: {
  auth: Pick<AuthService, 'getUser' | 'getOrganisation' | 'createOneTimeLink'>;
  mailer: Mailer;
  baseUrl(): string;
}): LinkMail {
  async function send({ userId, purpose, locale }: LinkMailPayload) {
    const user = await deps.auth.getUser(userId);
    // Disabled meanwhile, or an invitation already accepted through an earlier mail: no link for it.
    if (!user || user.disabledAt || (purpose === 'invitation' && user.hasPassword)) return;
    const organisation = await deps.auth.getOrganisation(user.organisationId);
    const link = await deps.auth.createOneTimeLink(user.id, purpose, LIFETIME_MS[purpose]);
    if (isAuthError(link)) return;
    const t = accountMessages(locale);
    const values = {
      name: user.name,
      email: user.email,
      organisation: organisation?.name ?? '',
      ...LINK_LIFETIME,
      link: `${deps.baseUrl()}${LINK_PATH[purpose]}/${link.token}?lang=${locale}`,
    };
    const invitation = purpose === 'invitation';
    await deps.mailer.send({
      to: user.email,
      subject: fill(invitation ? t.invitationMailSubject : t.resetMailSubject, values),
      text: fill(invitation ? t.invitationMailBody : t.resetMailBody, values),
    });
  }

  return {
    queue: (trx, mail) => enqueueEvent(trx, MAIL_TOPIC, mail),
    outboxHandlers: [
      {
        topic: MAIL_TOPIC,
        ...MAIL_RETRIES,
        deliver: (event) => send(event.payload as LinkMailPayload),
      },
    ],
  };
}
