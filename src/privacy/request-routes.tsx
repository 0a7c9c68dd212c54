import cookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { csrfRefused, preSessionToken, preSessionTokenMatches } from '../console/context.js';
import type { Clock } from '../core/clock.js';
import { createLookupLimiter, type LookupLimits } from '../core/fixed-window.js';
import { Problem } from '../core/problem.js';
import type { App } from '../http/server.js';
import { holdsPeoplesData } from '../merchants/model.js';
import type { MerchantService } from '../merchants/service.js';
import { fill, type Locale, localeOf } from '../web/i18n.js';
import { sendPage } from '../web/render.js';
import type { RequestConfirmation } from './confirmation.js';
import { REQUEST_KINDS, type RequestKind } from './model.js';
import type { FormRefusal } from './pages.js';
import { registerMessages } from './register-messages.js';
import {
  ConfirmRequestPage,
  LinkGonePage,
  PublicRequestPage,
  type PublicRequestValues,
  RequestMailedPage,
  RequestSentPage,
} from './request-page.js';
import type { PrivacyService } from './service.js';

export interface PublicRequestDeps {
  privacy: Pick<PrivacyService, 'getRequest'>;
  confirmation: Pick<RequestConfirmation, 'propose' | 'pending' | 'confirm'>;
  merchants: Pick<MerchantService, 'merchantsHoldingData' | 'getMerchant'>;
  clock: Clock;
  answerDays: number;
  /** Requests one connection may send; a person sends one, a flood many. */
  limits?: LookupLimits;
}

const FORM_PATH = '/privacy';
const Query = Type.Object({
  lang: Type.Optional(Type.String({ maxLength: 5 })),
  sent: Type.Optional(Type.String({ maxLength: 64 })),
  shop: Type.Optional(Type.String({ maxLength: 64 })),
  mailed: Type.Optional(Type.String({ maxLength: 64 })),
});
/** The mailed link: which pending request, and the token that proves the mail was read. */
const Link = {
  id: Type.String({ maxLength: 64 }),
  token: Type.String({ maxLength: 64 }),
};
// Optional in the address: a link cut short by a mail program gets the page saying it no longer works.
const LinkQuery = Type.Object({
  id: Type.Optional(Link.id),
  token: Type.Optional(Link.token),
  lang: Type.Optional(Type.String({ maxLength: 5 })),
});

const short = (max: number) => Type.Optional(Type.String({ maxLength: max }));
const LinkForm = Type.Object({ ...Link, csrf: short(100) });
const Form = Type.Object({
  csrf: short(100),
  shop: short(64),
  kind: short(20),
  email: short(254),
  corrected_email: short(254),
  note: short(2000),
});

/** The service's refused fields, in the public form's words. */
const FIELDS = ['shop', 'kind', 'email', 'corrected_email', 'note'] as const;

/**
 * Law 09-08's rights, exercised by the person: /privacy/request sends the shop they paid a request
 * about their data. It waits until the person opens the link mailed to the address they gave and
 * confirms; then it is recorded in the shop's live requests like one the shop recorded itself
 * (`channel` 'online'), due on the same terms. Nothing about the person is shown back but the
 * reference.
 */
export function publicRequestRoutes(deps: PublicRequestDeps) {
  // Twenty an hour: people behind one carrier's shared address still get through; a flood does not.
  const limiter = createLookupLimiter(deps.clock, deps.limits ?? { max: 20, windowMs: 60 * 60_000 });

  return async (app: App) => {
    await app.register(cookie);

    async function formPage(
      request: FastifyRequest,
      reply: FastifyReply,
      values: PublicRequestValues = {},
      refused?: FormRefusal,
      status = 200,
    ) {
      const locale = localeOf(request);
      return sendPage(
        reply,
        <PublicRequestPage
          locale={locale}
          path={request.url}
          csrf={preSessionToken(request, reply, FORM_PATH)}
          shops={await deps.merchants.merchantsHoldingData()}
          answerDays={deps.answerDays}
          values={values}
          refused={refused}
        />,
        { status },
      );
    }

    app.get('/privacy/request', { schema: { hide: true, querystring: Query } }, async (request, reply) => {
      const { sent, shop, mailed } = request.query;
      const mailedTo = mailed ? await deps.merchants.getMerchant(mailed) : undefined;
      if (mailedTo)
        return sendPage(
          reply,
          <RequestMailedPage locale={localeOf(request)} path={request.url} shop={mailedTo.name} />,
        );
      if (!sent || !shop) return formPage(request, reply);
      // The page after sending: the reference, the shop's name and the due date, nothing of the person.
      const filed = await deps.privacy.getRequest({ merchantId: shop, livemode: true }, sent);
      const merchant = filed && (await deps.merchants.getMerchant(shop));
      if (filed?.channel !== 'online' || !merchant) return formPage(request, reply);
      return sendPage(
        reply,
        <RequestSentPage
          locale={localeOf(request)}
          path={request.url}
          request={{
            id: filed.id,
            shop: merchant.name,
            dueAt: filed.dueAt,
            shopSuspended: merchant.status === 'suspended',
          }}
        />,
      );
    });

    app.post(
      '/privacy/request',
      { schema: { hide: true, querystring: Query, body: Form } },
      async (request, reply) => {
        if (!preSessionTokenMatches(request, request.body.csrf)) return csrfRefused(reply);
        const locale: Locale = localeOf(request);
        const t = registerMessages(locale);
        const { csrf: _, ...values } = request.body;
        const refuse = (field: (typeof FIELDS)[number], status = 400) =>
          formPage(request, reply, values, { message: t[`problem_${field}`], field }, status);
        const wait = limiter.take(request.ip);
        if (wait !== undefined)
          return formPage(request, reply, values, { message: fill(t.tooMany, { seconds: wait }) }, 429);

        const merchant = values.shop ? await deps.merchants.getMerchant(values.shop) : undefined;
        if (!merchant || !holdsPeoplesData(merchant.status)) return refuse('shop');
        if (!REQUEST_KINDS.includes(values.kind as RequestKind)) return refuse('kind');
        const proposed = await deps.confirmation.propose(
          merchant,
          {
            kind: values.kind as RequestKind,
            email: values.email ?? '',
            correctedEmail: values.corrected_email || null,
            note: values.note || null,
          },
          locale,
        );
        if (proposed instanceof Problem) {
          const field = FIELDS.find((name) => name === proposed.extensions?.field) ?? 'email';
          return refuse(field);
        }
        return reply.redirect(`/privacy/request?lang=${locale}&mailed=${merchant.id}`, 303);
      },
    );

    /** The shop a working link's request goes to, while it may still receive requests. */
    async function linkedShop(link: { id: string; token: string }) {
      const pending = await deps.confirmation.pending(link.id, link.token);
      const merchant = pending && (await deps.merchants.getMerchant(pending.merchantId));
      return pending && merchant && holdsPeoplesData(merchant.status) ? { pending, merchant } : undefined;
    }
    const linkGone = (request: FastifyRequest, reply: FastifyReply) =>
      sendPage(reply, <LinkGonePage locale={localeOf(request)} path={request.url} />, { status: 404 });

    app.get(
      '/privacy/request/confirm',
      { schema: { hide: true, querystring: LinkQuery } },
      async (request, reply) => {
        const { id = '', token = '' } = request.query;
        const linked = await linkedShop({ id, token });
        if (!linked) return linkGone(request, reply);
        return sendPage(
          reply,
          <ConfirmRequestPage
            locale={localeOf(request)}
            path={request.url}
            csrf={preSessionToken(request, reply, FORM_PATH)}
            link={{ id, token }}
            shop={linked.merchant.name}
            kind={linked.pending.kind}
          />,
        );
      },
    );

    app.post(
      '/privacy/request/confirm',
      { schema: { hide: true, querystring: Query, body: LinkForm } },
      async (request, reply) => {
        if (!preSessionTokenMatches(request, request.body.csrf)) return csrfRefused(reply);
        const { id, token } = request.body;
        const linked = await linkedShop({ id, token });
        const filed =
          linked &&
          (await deps.confirmation.confirm({ merchant: linked.merchant, livemode: true }, id, token, {
            actor: { type: 'system', id: 'privacy_request_form' },
            ip: request.ip,
            requestId: request.id,
          }));
        if (!filed || filed instanceof Problem) return linkGone(request, reply);
        const locale = localeOf(request);
        return reply.redirect(
          `/privacy/request?lang=${locale}&sent=${filed.id}&shop=${linked.merchant.id}`,
          303,
        );
      },
    );
  };
}
