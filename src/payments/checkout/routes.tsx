import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { Problem } from '../../core/problem.js';
import { declineMessage, type ResponseCode, responseCodes } from '../../core/response-codes.js';
import type { App } from '../../http/server.js';
import type { AccessControlServer } from '../../issuer/acs.js';
import type { MerchantService } from '../../merchants/service.js';
import type { SharedStore } from '../../store/store.js';
import type { SwitchService } from '../../switch/service.js';
import { fill, type Locale, localeOf } from '../../web/i18n.js';
import { sendPage } from '../../web/render.js';
import type { PaymentRow } from '../model.js';
import type { PaymentService } from '../service.js';
import { checkoutMessages } from './messages.js';
import {
  CardFormPage,
  ChallengePage,
  InboxPage,
  NotFoundPage,
  type PaymentSummary,
  ResultPage,
} from './pages.js';
import type { ReturnSigner } from './return-token.js';

export interface CheckoutDeps {
  /** Serve the demo inbox of 3-D Secure codes (never in production). */
  demo: boolean;
  store: SharedStore;
  returnSigner: ReturnSigner;
  payments: PaymentService;
  merchants: MerchantService;
  switch: SwitchService;
  acs: AccessControlServer;
}

const PayParams = Type.Object({ id: Type.String({ pattern: '^pay_[0-9a-z]{26}$' }) });
const ChallengeParams = Type.Object({ id: Type.String({ pattern: '^ch_[0-9a-z]{26}$' }) });
const LangQuery = Type.Object({ lang: Type.Optional(Type.String({ maxLength: 5 })) });
const CardForm = Type.Object({
  number: Type.String({ maxLength: 40 }),
  expiry: Type.String({ maxLength: 10 }),
  cvc: Type.String({ maxLength: 8 }),
  holder_name: Type.Optional(Type.String({ maxLength: 100 })),
});

/** "12/30", "12 / 2030" → month and four-digit year. */
export function parseExpiry(text: string): { month: number; year: number } | undefined {
  const match = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(text);
  if (!match) return undefined;
  const month = Number(match[1]);
  const year = match[2]!.length === 2 ? 2000 + Number(match[2]) : Number(match[2]);
  return month >= 1 && month <= 12 ? { month, year } : undefined;
}

/** Pages whose form may end in a redirect to the merchant: the CSP must let the form go there. */
function sendFor(payment: PaymentRow, ...[reply, page, options = {}]: Parameters<typeof sendPage>) {
  const formAction = payment.return_url ? [new URL(payment.return_url).origin] : [];
  return sendPage(reply, page, { ...options, formAction });
}

/** The hosted payment page, the built-in issuer's 3-D Secure challenge, and the demo inbox. */
export function checkoutRoutes(deps: CheckoutDeps) {
  /** Where the browser goes once the payment is decided: the merchant's return URL (signed), or our result page. */
  async function returnTo(payment: PaymentRow, locale: Locale): Promise<string> {
    if (!payment.return_url) return `/pay/${payment.id}?lang=${locale}`;
    const url = new URL(payment.return_url);
    url.searchParams.set('payment', payment.id);
    url.searchParams.set('status', payment.status);
    url.searchParams.set('token', await deps.returnSigner.sign(payment));
    return url.href;
  }

  async function summaryOf(payment: PaymentRow): Promise<PaymentSummary> {
    const merchant = await deps.merchants.getMerchant(payment.merchant_id);
    return {
      id: payment.id,
      merchantName: merchant?.name ?? '',
      amount: payment.amount,
      currency: payment.currency,
      orderReference: payment.order_reference,
    };
  }

  async function showPayment(
    request: FastifyRequest,
    reply: FastifyReply,
    payment: PaymentRow,
    extra: { decline?: string; status?: number } = {},
  ) {
    const locale = localeOf(request);
    const summary = await summaryOf(payment);
    if (
      payment.status === 'succeeded' ||
      payment.status === 'requires_capture' ||
      payment.status === 'canceled'
    ) {
      return sendPage(
        reply,
        <ResultPage
          locale={locale}
          path={request.url}
          payment={summary}
          status={payment.status}
          returnUrl={payment.return_url ? await returnTo(payment, locale) : null}
        />,
      );
    }
    const decline =
      extra.decline ??
      (payment.status === 'failed' && payment.decline_code && payment.decline_code in responseCodes
        ? declineMessage(payment.decline_code as ResponseCode, locale)
        : undefined);
    return sendFor(
      payment,
      reply,
      <CardFormPage
        locale={locale}
        path={request.url}
        payment={summary}
        {...(decline ? { decline } : {})}
        {...(payment.status === 'failed' && payment.return_url
          ? { leaveUrl: await returnTo(payment, locale) }
          : {})}
      />,
      { status: extra.status ?? 200 },
    );
  }

  async function bankName(bankId: string) {
    return (await deps.switch.listIssuers()).find((i) => i.id === bankId)?.name ?? bankId;
  }

  return async (app: App) => {
    app.get(
      '/pay/:id',
      { schema: { hide: true, params: PayParams, querystring: LangQuery } },
      async (request, reply) => {
        const payment = await deps.payments.getById(request.params.id);
        if (!payment)
          return sendPage(reply, <NotFoundPage locale={localeOf(request)} path={request.url} />, {
            status: 404,
          });
        return showPayment(request, reply, payment);
      },
    );

    app.post(
      '/pay/:id',
      { schema: { hide: true, params: PayParams, querystring: LangQuery, body: CardForm } },
      async (request, reply) => {
        const locale = localeOf(request);
        const t = checkoutMessages(locale);
        const payment = await deps.payments.getById(request.params.id);
        if (!payment)
          return sendPage(reply, <NotFoundPage locale={locale} path={request.url} />, { status: 404 });
        if (payment.status !== 'requires_payment_method' && payment.status !== 'failed')
          return showPayment(request, reply, payment);
        const form = request.body;
        const summary = await summaryOf(payment);
        const expiry = parseExpiry(form.expiry);
        const again = (field: 'number' | 'expiry' | 'cvc', message: string) =>
          sendFor(
            payment,
            reply,
            <CardFormPage
              locale={locale}
              path={request.url}
              payment={summary}
              fieldError={{ field, message }}
              holderName={form.holder_name ?? ''}
            />,
            {
              status: 422,
            },
          );
        if (!expiry) return again('expiry', t.invalid_expiry);
        const merchant = await deps.merchants.getMerchant(payment.merchant_id);
        if (!merchant) throw new Error(`payment ${payment.id} has no merchant`);

        const outcome = await deps.store.transaction(async (trx) => {
          const result = await deps.payments.confirm(
            { merchant, livemode: payment.livemode },
            payment.id,
            {
              card: {
                number: form.number,
                expMonth: expiry.month,
                expYear: expiry.year,
                cvc: form.cvc,
                holderName: form.holder_name ?? null,
              },
            },
            trx,
          );
          if (result instanceof Problem || result.status !== 'requires_action') return { result };
          // The issuer wants the cardholder authenticated: its access control server sends a code.
          const challenge = await deps.acs.startChallenge(
            { paymentId: result.id, bankId: result.issuer_id ?? '', cardLast4: result.card_last4 ?? '' },
            trx,
          );
          return { result, challengeId: challenge.id };
        });
        const { result } = outcome;
        if (result instanceof Problem) {
          const field =
            result.code === 'invalid_expiry' ? 'expiry' : result.code === 'invalid_cvc' ? 'cvc' : 'number';
          const message = (t as Record<string, string>)[result.code] ?? t.invalid_card_number;
          return again(field, message);
        }
        if (outcome.challengeId) return reply.redirect(`/acs/${outcome.challengeId}?lang=${locale}`, 303);
        if (result.status === 'failed') return showPayment(request, reply, result, { status: 402 });
        return reply.redirect(await returnTo(result, locale), 303);
      },
    );

    app.get(
      '/acs/:id',
      { schema: { hide: true, params: ChallengeParams, querystring: LangQuery } },
      async (request, reply) => {
        const locale = localeOf(request);
        const challenge = await deps.acs.getChallenge(request.params.id);
        const payment = challenge && (await deps.payments.getById(challenge.paymentId));
        if (!challenge || !payment)
          return sendPage(reply, <NotFoundPage locale={locale} path={request.url} />, { status: 404 });
        if (challenge.status !== 'pending') return reply.redirect(`/pay/${payment.id}?lang=${locale}`, 303);
        return sendFor(
          payment,
          reply,
          <ChallengePage
            locale={locale}
            path={request.url}
            challenge={challenge}
            bankName={await bankName(challenge.bankId)}
            payment={await summaryOf(payment)}
          />,
        );
      },
    );

    app.post(
      '/acs/:id',
      {
        schema: {
          hide: true,
          params: ChallengeParams,
          querystring: LangQuery,
          body: Type.Object({ code: Type.String({ maxLength: 12 }) }),
        },
      },
      async (request, reply) => {
        const locale = localeOf(request);
        const t = checkoutMessages(locale);
        const outcome = await deps.store.transaction(async (trx) => {
          const answer = await deps.acs.answer(request.params.id, request.body.code, trx);
          if (!answer || answer.outcome === 'retry' || answer.outcome === 'closed') return { answer };
          // The result and its ECI go into the authorization and the payment's record.
          const threeDSecure =
            answer.outcome === 'authenticated'
              ? { status: 'authenticated' as const, eci: '05' }
              : { status: 'failed' as const, eci: '07' };
          const payment = await deps.payments.completeAuthentication(
            answer.challenge.paymentId,
            threeDSecure,
            trx,
          );
          return { answer, payment };
        });
        const { answer } = outcome;
        if (!answer)
          return sendPage(reply, <NotFoundPage locale={locale} path={request.url} />, { status: 404 });
        const payment = await deps.payments.getById(answer.challenge.paymentId);
        if (!payment) throw new Error(`challenge ${answer.challenge.id} lost its payment`);
        if (answer.outcome === 'retry') {
          return sendFor(
            payment,
            reply,
            <ChallengePage
              locale={locale}
              path={request.url}
              challenge={answer.challenge}
              bankName={await bankName(answer.challenge.bankId)}
              payment={await summaryOf(payment)}
              error={fill(t.attemptsLeft, { n: answer.challenge.attemptsLeft })}
            />,
            { status: 422 },
          );
        }
        if (answer.outcome === 'failed') {
          const reason = answer.reason === 'expired' ? t.codeExpired : t.tooManyAttempts;
          return showPayment(request, reply, payment, {
            decline: `${reason} ${declineMessage('05', locale)}`,
            status: 402,
          });
        }
        if (payment.status === 'failed') return showPayment(request, reply, payment, { status: 402 });
        return reply.redirect(await returnTo(payment, locale), 303);
      },
    );

    app.get(
      '/v1/jwks.json',
      {
        schema: {
          tags: ['payments'],
          summary: 'Public keys that sign the result a browser brings back to the merchant',
        },
      },
      async () => deps.returnSigner.jwks(),
    );

    if (!deps.demo) return;
    app.get('/demo/inbox', { schema: { hide: true, querystring: LangQuery } }, async (request, reply) =>
      sendPage(reply, <InboxPage locale={localeOf(request)} path={request.url} codes={deps.acs.inbox()} />),
    );
  };
}
