import { Type } from 'typebox';
import type { App } from '../http/server.js';
import { formatMoroccanTime, type Locale, localeOf } from '../web/i18n.js';
import { Page, sendPage } from '../web/render.js';
import type { KeptMail } from './mailer.js';
import { mailMessages } from './messages.js';

const LangQuery = Type.Object({ lang: Type.Optional(Type.String({ maxLength: 5 })) });

/** A mail's text with its addresses made links, as a mail program shows them. */
function TextWithLinks({ text }: { text: string }) {
  return (
    <pre class="mail-text" dir="auto">
      {text.split(/(https?:\/\/\S+)/).map((part, i) =>
        i % 2 === 1 ? (
          <a key={i} href={part}>
            {part}
          </a>
        ) : (
          part
        ),
      )}
    </pre>
  );
}

function MailboxPage({ locale, path, mails }: { locale: Locale; path: string; mails: KeptMail[] }) {
  const t = mailMessages(locale);
  return (
    <Page locale={locale} title={t.mailboxTitle} path={path}>
      <h1>{t.mailboxTitle}</h1>
      <p>{t.mailboxIntro}</p>
      {mails.length === 0 ? (
        <p>{t.mailboxEmpty}</p>
      ) : (
        mails.map((mail) => (
          <article class="mail" key={mail.keptAt.toISOString() + mail.to}>
            <h2 dir="auto">{mail.subject}</h2>
            <p>
              {t.to}: <span dir="ltr">{mail.to}</span> ·{' '}
              <time dateTime={mail.keptAt.toISOString()}>{formatMoroccanTime(mail.keptAt, locale)}</time>
            </p>
            <TextWithLinks text={mail.text} />
          </article>
        ))
      )}
    </Page>
  );
}

/** /demo/mail: the mails kept when no mail server is set (demo pages only). */
export function demoMailRoutes(deps: { mails(): KeptMail[] }) {
  return async (app: App) => {
    app.get('/demo/mail', { schema: { hide: true, querystring: LangQuery } }, async (request, reply) =>
      sendPage(reply, <MailboxPage locale={localeOf(request)} path={request.url} mails={deps.mails()} />),
    );
  };
}
