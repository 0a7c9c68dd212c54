import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { isReadPurpose, READ_PURPOSES, sensitiveRead } from '../audit/sensitive.js';
import type { AuditLog } from '../audit/service.js';
import { can } from '../auth/permissions.js';
import type { AuthenticatedSession, AuthService } from '../auth/service.js';
import { moroccanYear } from '../core/time.js';
import type { App } from '../http/server.js';
import type { IssuerCard } from '../issuer/model.js';
import type { IssuerService } from '../issuer/service.js';
import type { SharedStore } from '../store/store.js';
import { formatMoney, type Locale } from '../web/i18n.js';
import { sendPage } from '../web/render.js';
import { authorityMessages } from './authority-messages.js';
import { byPerson, csrfRefused, notFound } from './context.js';
import { merchantMessages } from './merchant-messages.js';
import { consoleMessages } from './messages.js';
import { ConsolePage } from './shell.js';

export interface BankPagesDeps {
  store: SharedStore;
  auth: AuthService;
  issuer: IssuerService;
  audit: AuditLog;
  signedIn: (request: FastifyRequest, reply: FastifyReply) => Promise<AuthenticatedSession | undefined>;
  localeOf: (request: FastifyRequest) => Locale;
  forbidden: (request: FastifyRequest, reply: FastifyReply) => FastifyReply;
}

const AUDIT_PAGE = 100;

const CardAction = Type.Object({
  csrf: Type.Optional(Type.String({ maxLength: 200 })),
  last4: Type.String({ pattern: '^[0-9]{4}$' }),
});

/** A bank operator's cards: look up, block or unblock, grant or withdraw international use; each change audited. */
export function bankPages(deps: BankPagesDeps) {
  async function cardOfMyBank(
    signedIn: AuthenticatedSession,
    cardId: string,
  ): Promise<IssuerCard | undefined> {
    const card = await deps.issuer.getCard(cardId);
    // Another bank's card, or a guessed id, is simply not found.
    return card && card.bankId === signedIn.organisation.bankId ? card : undefined;
  }

  return async (app: App) => {
    app.get('/console/cards', { schema: { hide: true } }, async (request, reply) => {
      const signedIn = await deps.signedIn(request, reply);
      if (!signedIn) return reply;
      const bankId = signedIn.organisation.bankId;
      if (!bankId || !can(signedIn.user, signedIn.organisation, 'cards.read'))
        return deps.forbidden(request, reply);
      const locale = deps.localeOf(request);
      const t = consoleMessages(locale);
      const m = merchantMessages(locale);
      const q = request.query as { last4?: string; account?: string; purpose?: string };
      const last4 = q.last4 && /^\d{4}$/.test(q.last4) ? q.last4 : undefined;
      const purpose = isReadPurpose(q.purpose) ? q.purpose : 'cardholder_request';
      const cards = last4
        ? await deps.issuer.findCards(bankId, { last4, ...(q.account ? { accountId: q.account } : {}) })
        : [];
      // A card's holder and expiry are sensitive: each look-up that shows some is on the record, with why.
      if (cards.length > 0)
        await deps.audit.append({
          ...byPerson(signedIn, request),
          ...sensitiveRead(
            'card.details',
            purpose,
            { type: 'card', id: cards.map((c) => c.id).join(',') },
            { last4, bank: bankId },
          ),
        });
      const year = moroccanYear(new Date());
      const allowances = await Promise.all(cards.map((c) => deps.issuer.allowanceLeft(c.id, year)));
      return sendPage(
        reply,
        <ConsolePage locale={locale} path={request.url} title={t.cards} signedIn={signedIn}>
          <form method="get" action="/console/cards" class="filters">
            <input type="hidden" name="lang" value={locale} />
            <div class="field">
              <label for="last4">{t.last4}</label>
              <input id="last4" name="last4" inputmode="numeric" maxlength={4} required value={last4 ?? ''} />
            </div>
            <div class="field">
              <label for="account">{t.accountId}</label>
              <input id="account" name="account" value={q.account ?? ''} />
            </div>
            <div class="field">
              <label for="purpose">{m.purpose}</label>
              <select id="purpose" name="purpose">
                {READ_PURPOSES.map((p) => (
                  <option value={p} selected={p === purpose} key={p}>
                    {m[p]}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit">{t.find}</button>
          </form>
          {last4 && cards.length === 0 ? <p>{t.noCards}</p> : null}
          {cards.map((card, i) => (
            <section class="summary" key={card.id} data-card={card.id}>
              <h2 dir="ltr">
                {card.bin.slice(0, 4)} {card.bin.slice(4)}•• •••• {card.last4}
              </h2>
              <dl>
                <div>
                  <dt>{t.holder}</dt>
                  <dd>{card.holderName}</dd>
                </div>
                <div>
                  <dt>{t.status}</dt>
                  <dd class="card-status">{card.status}</dd>
                </div>
                <div>
                  <dt>{t.expiry}</dt>
                  <dd dir="ltr">
                    {String(card.expMonth).padStart(2, '0')}/{card.expYear}
                  </dd>
                </div>
                <div>
                  <dt>{t.international}</dt>
                  <dd class="card-international">{card.internationalEnabled ? t.granted : t.notGranted}</dd>
                </div>
                <div>
                  <dt>{t.allowanceLeft}</dt>
                  <dd class="card-allowance">{formatMoney(allowances[i] ?? 0n, 'MAD', locale)}</dd>
                </div>
              </dl>
              <div class="row">
                <form
                  method="post"
                  action={`/console/cards/${card.id}/${card.status === 'blocked' ? 'unblock' : 'block'}?lang=${locale}`}
                >
                  <input type="hidden" name="csrf" value={signedIn.session.csrfToken} />
                  <input type="hidden" name="last4" value={card.last4} />
                  <button type="submit">{card.status === 'blocked' ? t.unblock : t.block}</button>
                </form>
                <form
                  method="post"
                  action={`/console/cards/${card.id}/${card.internationalEnabled ? 'withdraw' : 'grant'}?lang=${locale}`}
                >
                  <input type="hidden" name="csrf" value={signedIn.session.csrfToken} />
                  <input type="hidden" name="last4" value={card.last4} />
                  <button type="submit">{card.internationalEnabled ? t.withdraw : t.grant}</button>
                </form>
              </div>
            </section>
          ))}
        </ConsolePage>,
      );
    });

    const changes = {
      block: { permission: 'cards.block', action: 'card.block' },
      unblock: { permission: 'cards.block', action: 'card.unblock' },
      grant: { permission: 'cards.international', action: 'card.international.grant' },
      withdraw: { permission: 'cards.international', action: 'card.international.withdraw' },
    } as const;

    app.post(
      '/console/cards/:id/:change',
      {
        schema: {
          hide: true,
          params: Type.Object({
            id: Type.String({ maxLength: 64 }),
            change: Type.Union(Object.keys(changes).map((k) => Type.Literal(k))),
          }),
          body: CardAction,
        },
      },
      async (request, reply) => {
        const signedIn = await deps.signedIn(request, reply);
        if (!signedIn) return reply;
        const change = changes[request.params.change as keyof typeof changes];
        if (!deps.auth.checkCsrf(signedIn.session, request.body.csrf)) return csrfRefused(reply);
        if (!can(signedIn.user, signedIn.organisation, change.permission))
          return deps.forbidden(request, reply);
        const card = await cardOfMyBank(signedIn, request.params.id);
        if (!card) return notFound(request, reply);
        await deps.store.transaction(async (trx) => {
          if (change.action === 'card.block') await deps.issuer.setCardStatus(card.id, 'blocked', trx);
          if (change.action === 'card.unblock') await deps.issuer.setCardStatus(card.id, 'active', trx);
          if (change.action === 'card.international.grant')
            await deps.issuer.setInternational(card.id, true, trx);
          if (change.action === 'card.international.withdraw')
            await deps.issuer.setInternational(card.id, false, trx);
          // The audit record commits with the change, or not at all.
          await deps.audit.append(
            {
              ...byPerson(signedIn, request),
              action: change.action,
              target: { type: 'card', id: card.id },
              details: { last4: card.last4, bank: card.bankId },
            },
            trx,
          );
        });
        return reply.redirect(
          `/console/cards?lang=${deps.localeOf(request)}&last4=${request.body.last4}`,
          303,
        );
      },
    );

    app.get('/console/audit', { schema: { hide: true } }, async (request, reply) => {
      const signedIn = await deps.signedIn(request, reply);
      if (!signedIn) return reply;
      const mayRead =
        can(signedIn.user, signedIn.organisation, 'audit.read') || signedIn.organisation.kind === 'operator';
      if (!mayRead) return deps.forbidden(request, reply);
      const locale = deps.localeOf(request);
      const t = consoleMessages(locale);
      const a = authorityMessages(locale);
      const { before, action } = request.query as { before?: string; action?: string };
      const wantedAction = action?.trim().slice(0, 100) || undefined;
      const records = await deps.audit.list({
        limit: AUDIT_PAGE,
        ...(before && /^\d{1,18}$/.test(before) ? { before: BigInt(before) } : {}),
        ...(wantedAction ? { action: wantedAction } : {}),
      });
      const oldest = records.at(-1);
      return sendPage(
        reply,
        <ConsolePage locale={locale} path={request.url} title={t.auditTrail} signedIn={signedIn}>
          <form method="get" action="/console/audit" class="filters">
            <input type="hidden" name="lang" value={locale} />
            <div class="field">
              <label for="action">{t.action}</label>
              <input id="action" name="action" dir="ltr" value={wantedAction ?? ''} />
            </div>
            <button type="submit">{t.filter}</button>
          </form>
          <p class="row">
            <a href="/console/audit/export?format=csv">{a.exportCsv}</a>
            <a href="/console/audit/export?format=json">{a.exportJson}</a>
          </p>
          <table>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">{t.when}</th>
                <th scope="col">{t.who}</th>
                <th scope="col">{t.action}</th>
                <th scope="col">{t.target}</th>
              </tr>
            </thead>
            <tbody>
              {records.map((r) => (
                <tr key={r.id} data-action={r.action}>
                  <td>{String(r.seq)}</td>
                  <td>
                    <time dateTime={r.at.toISOString()}>
                      {r.at.toISOString().slice(0, 19).replace('T', ' ')}
                    </time>
                  </td>
                  <td dir="ltr">{r.actorId}</td>
                  <td dir="ltr">{r.action}</td>
                  <td dir="ltr">{r.targetId}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {records.length === AUDIT_PAGE && oldest ? (
            <p>
              <a
                href={`/console/audit?lang=${locale}&before=${oldest.seq}${wantedAction ? `&action=${encodeURIComponent(wantedAction)}` : ''}`}
                rel="next"
              >
                {a.olderRecords}
              </a>
            </p>
          ) : null}
        </ConsolePage>,
      );
    });
  };
}
