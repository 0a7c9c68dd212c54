import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { isReadPurpose, READ_PURPOSES, sensitiveRead } from '../audit/sensitive.js';
import type { AuditLog } from '../audit/service.js';
import { can } from '../auth/permissions.js';
import { type CurrencyCode, currencies, isCurrencyCode, parseDecimalAmount } from '../core/money.js';
import { Problem } from '../core/problem.js';
import { isCalendarDate, moroccanDate } from '../core/time.js';
import type { App } from '../http/server.js';
import type { LedgerService } from '../ledger/service.js';
import type { Merchant } from '../merchants/model.js';
import type { MerchantService } from '../merchants/service.js';
import type { EventLog } from '../payments/events.js';
import { EVENT_TYPES, type Scope } from '../payments/events.js';
import { formOnce } from '../payments/idempotency.js';
import type { PaymentRow } from '../payments/model.js';
import type { PaymentService } from '../payments/service.js';
import { paymentMovements, settlementCsv, settlementReport } from '../payments/settlement.js';
import { DEFAULT_ROLL_OVERLAP_HOURS, type WebhookService } from '../payments/webhooks.js';
import type { SharedDb, SharedStore } from '../store/store.js';
import { fill, formatMoney } from '../web/i18n.js';
import { sendPage } from '../web/render.js';
import { FormTokens, ModeSelect, PostButton, Table, When } from './components.js';
import {
  byPerson,
  type ConsoleKit,
  inEitherMode,
  type MerchantSession,
  modeOf,
  notFound,
} from './context.js';
import { merchantMessages } from './merchant-messages.js';
import { consoleMessages } from './messages.js';
import { ConsolePage } from './shell.js';

export interface MerchantPagesDeps {
  kit: ConsoleKit;
  store: SharedStore;
  payments: PaymentService;
  merchants: MerchantService;
  webhooks: WebhookService;
  events: EventLog;
  ledger: LedgerService;
  audit: AuditLog;
}

const Csrf = Type.String({ maxLength: 200 });
const Id = Type.String({ maxLength: 64 });

/** "a•••@example.ma": enough to recognise a customer, not to contact them. */
export function maskEmail(email: string): string {
  const at = email.indexOf('@');
  return at <= 0 ? '•••' : `${email[0]}•••${email.slice(at)}`;
}

/** A merchant's own pages: one payment and its refund, webhooks, API keys, settlement reports. */
export function merchantPages(deps: MerchantPagesDeps) {
  const { kit } = deps;
  const { merchantSession } = kit;

  /** The merchant's payment in whichever mode it lives; another merchant's is simply not found. */
  async function ownPayment(merchantId: string, id: string) {
    const own = await inEitherMode(merchantId, (scope) => deps.payments.get(scope, id));
    return own && { payment: own.found, scope: own.scope };
  }

  async function ownEndpoint(merchantId: string, id: string) {
    const own = await inEitherMode(merchantId, (scope) => deps.webhooks.listDeliveries(scope, id, 100));
    if (!own) return undefined;
    const endpoint = (await deps.webhooks.listEndpoints(own.scope)).find((e) => e.id === id);
    return { scope: own.scope, deliveries: own.found, endpoint };
  }

  async function paymentPage(
    request: FastifyRequest,
    reply: FastifyReply,
    session: MerchantSession,
    found: { payment: PaymentRow; scope: Scope },
    notice: {
      refundError?: string | undefined;
      refunded?: boolean;
      holdError?: string | undefined;
      held?: 'captured' | 'released' | undefined;
      revealPurpose?: string | undefined;
    },
  ) {
    const { signedIn, locale } = session;
    const { payment, scope } = found;
    const t = { ...consoleMessages(locale), ...merchantMessages(locale) };
    const money = (amount: bigint) => formatMoney(amount, payment.currency, locale);
    const refunds = await deps.payments.listRefunds(scope, { limit: 100, paymentId: payment.id });
    const events = await deps.events.about(scope, [payment.id, ...refunds.map((r) => r.id)]);
    const movements = await paymentMovements(deps, scope, payment.id);
    let email: string | null = payment.customer_email && maskEmail(payment.customer_email);
    if (payment.customer_email && isReadPurpose(notice.revealPurpose)) {
      await deps.audit.append({
        ...byPerson(signedIn, request),
        ...sensitiveRead('payment.customer_email', notice.revealPurpose, { type: 'payment', id: payment.id }),
      });
      email = payment.customer_email;
    }
    const refundable = payment.amount_captured - payment.amount_refunded;
    const movesMoney = can(signedIn.user, signedIn.organisation, 'payments.refund');
    const mayRefund = movesMoney && refundable > 0n;
    const mayCapture = movesMoney && payment.status === 'requires_capture';
    return sendPage(
      reply,
      <ConsolePage
        locale={locale}
        path={request.url}
        title={`${t.payment} ${payment.id}`}
        signedIn={signedIn}
      >
        {notice.refunded ? (
          <p class="note" role="status" id="refund-done">
            {t.refundDone}
          </p>
        ) : null}
        {notice.held ? (
          <p class="note" role="status" id="hold-done">
            {notice.held === 'captured' ? t.captureDone : t.releaseDone}
          </p>
        ) : null}
        {notice.holdError ? (
          <p class="field-error" role="alert" id="hold-error">
            {fill(t.holdRefused, { detail: notice.holdError })}
          </p>
        ) : null}
        {notice.refundError ? (
          <p class="field-error" role="alert" id="refund-error">
            {fill(t.refundRefused, { detail: notice.refundError })}
          </p>
        ) : null}
        <dl class="summary">
          <div>
            <dt>{t.status}</dt>
            <dd id="payment-status">{payment.status}</dd>
          </div>
          <div>
            <dt>{t.amount}</dt>
            <dd>{money(payment.amount)}</dd>
          </div>
          <div>
            <dt>{t.captured}</dt>
            <dd>{money(payment.amount_captured)}</dd>
          </div>
          <div>
            <dt>{t.refunded}</dt>
            <dd id="payment-refunded">{money(payment.amount_refunded)}</dd>
          </div>
          <div>
            <dt>{t.fee}</dt>
            <dd>{money(payment.fee)}</dd>
          </div>
          <div>
            <dt>{t.orderReference}</dt>
            <dd>{payment.order_reference ?? ''}</dd>
          </div>
          <div>
            <dt>{t.description}</dt>
            <dd>{payment.description ?? ''}</dd>
          </div>
          <div>
            <dt>{t.card}</dt>
            <dd dir="ltr">
              {payment.card_last4 ? `${payment.card_brand ?? ''} •••• ${payment.card_last4}` : ''}
            </dd>
          </div>
          <div>
            <dt>{t.authorizationCode}</dt>
            <dd dir="ltr">{payment.auth_code ?? ''}</dd>
          </div>
          {payment.capture_before ? (
            <div>
              <dt>{t.captureBefore}</dt>
              <dd id="capture-before">
                <When at={payment.capture_before} />
              </dd>
            </div>
          ) : null}
          {payment.cancellation_reason ? (
            <div>
              <dt>{t.cancellationReason}</dt>
              <dd id="cancellation-reason">{t[`cancellation_${payment.cancellation_reason}`]}</dd>
            </div>
          ) : null}
          {payment.decline_code ? (
            <div>
              <dt>{t.decline}</dt>
              <dd>
                {payment.decline_code} {payment.decline_message ?? ''}
              </dd>
            </div>
          ) : null}
          <div>
            <dt>{t.customerEmail}</dt>
            <dd dir="ltr" id="customer-email">
              {email ?? ''}
            </dd>
          </div>
        </dl>
        {payment.customer_email && email !== payment.customer_email ? (
          <form method="get" action={`/console/payments/${payment.id}`} class="filters">
            <input type="hidden" name="lang" value={locale} />
            <div class="field">
              <label for="purpose">{t.purpose}</label>
              <select id="purpose" name="purpose">
                {READ_PURPOSES.map((p) => (
                  <option value={p} key={p}>
                    {t[p]}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit">{t.showEmail}</button>
          </form>
        ) : null}

        <h2>{t.timeline}</h2>
        <Table
          id="timeline"
          rows={events}
          empty={t.noEvents}
          headings={[t.when, t.event, t.target]}
          row={(e) => (
            <tr key={e.id} data-event={e.type}>
              <td>
                <When at={e.createdAt} />
              </td>
              <td dir="ltr">{e.type}</td>
              <td dir="ltr">{e.objectId}</td>
            </tr>
          )}
        />

        <h2>{t.ledgerMovements}</h2>
        <Table
          id="movements"
          rows={movements}
          empty={t.noMovements}
          headings={[t.when, t.kind, t.amount, t.fee]}
          row={(m) => (
            <tr key={String(m.id)} data-movement={m.kind}>
              <td>
                <When at={m.created_at} />
              </td>
              <td>{m.kind}</td>
              <td>{money(m.amount)}</td>
              <td>{money(m.fee)}</td>
            </tr>
          )}
        />

        <h2>{t.refunds}</h2>
        <Table
          id="refunds"
          rows={refunds}
          empty={t.noRefunds}
          headings={[t.when, t.amount, t.reason, t.status]}
          row={(r) => (
            <tr key={r.id} data-refund={r.id}>
              <td>
                <When at={r.created_at} />
              </td>
              <td>{money(r.amount)}</td>
              <td>{r.reason ?? ''}</td>
              <td>{r.status}</td>
            </tr>
          )}
        />
        {mayCapture ? (
          <>
            <form method="post" action={`/console/payments/${payment.id}/capture?lang=${locale}`}>
              <input type="hidden" name="csrf" value={signedIn.session.csrfToken} />
              <p>{fill(t.heldLeft, { amount: money(payment.amount_capturable) })}</p>
              <div class="field">
                <label for="capture-amount">{t.captureAmount}</label>
                <input id="capture-amount" name="amount" inputmode="decimal" dir="ltr" />
              </div>
              <button type="submit">{t.capture}</button>
            </form>
            <PostButton
              action={`/console/payments/${payment.id}/release?lang=${locale}`}
              csrf={signedIn.session.csrfToken}
              label={t.release}
            />
          </>
        ) : null}
        {mayRefund ? (
          <form method="post" action={`/console/payments/${payment.id}/refund?lang=${locale}`}>
            <input type="hidden" name="csrf" value={signedIn.session.csrfToken} />
            <p>{fill(t.refundLeft, { amount: money(refundable) })}</p>
            <div class="field">
              <label for="refund-amount">{t.refundAmount}</label>
              <input id="refund-amount" name="amount" inputmode="decimal" dir="ltr" />
            </div>
            <div class="field">
              <label for="refund-reason">{t.reason}</label>
              <input id="refund-reason" name="reason" maxlength={200} />
            </div>
            <button type="submit">{t.refund}</button>
          </form>
        ) : null}
      </ConsolePage>,
    );
  }

  async function webhooksPage(
    request: FastifyRequest,
    reply: FastifyReply,
    session: MerchantSession,
    livemode: boolean,
    created?: { secret?: string; error?: string; previousUntil?: Date | null },
  ) {
    const { signedIn, locale, merchantId } = session;
    const t = { ...consoleMessages(locale), ...merchantMessages(locale) };
    const endpoints = await deps.webhooks.listEndpoints({ merchantId, livemode });
    const mode = livemode ? 'live' : 'test';
    return sendPage(
      reply,
      <ConsolePage locale={locale} path={request.url} title={t.webhooks} signedIn={signedIn}>
        <form method="get" action="/console/webhooks" class="filters">
          <input type="hidden" name="lang" value={locale} />
          <ModeSelect locale={locale} livemode={livemode} />
          <button type="submit">{t.show}</button>
        </form>
        {created?.secret ? (
          <p class="note" role="status">
            {t.secretOnce}{' '}
            <code dir="ltr" id="endpoint-secret">
              {created.secret}
            </code>
            {created.previousUntil ? (
              <>
                {' '}
                {t.previousSecretUntil} <When at={created.previousUntil} />
              </>
            ) : null}
          </p>
        ) : null}
        {created?.error ? (
          <p class="field-error" role="alert" id="endpoint-error">
            {fill(t.endpointRefused, { detail: created.error })}
          </p>
        ) : null}
        <h2>{t.endpoints}</h2>
        <Table
          rows={endpoints}
          empty={t.noEndpoints}
          headings={[t.url, t.eventsToSend, t.created, t.action]}
          row={(e) => (
            <tr key={e.id} data-endpoint={e.id}>
              <td dir="ltr">
                <a href={`/console/webhooks/${e.id}?lang=${locale}`}>{e.url}</a>
              </td>
              <td dir="ltr">{e.enabledEvents.join(', ')}</td>
              <td>
                <When at={e.createdAt} />
              </td>
              <td>
                <PostButton
                  action={`/console/webhooks/${e.id}/roll-secret?lang=${locale}`}
                  csrf={signedIn.session.csrfToken}
                  label={t.rollSecret}
                />
                <PostButton
                  action={`/console/webhooks/${e.id}/disable?lang=${locale}`}
                  csrf={signedIn.session.csrfToken}
                  label={t.disable}
                />
              </td>
            </tr>
          )}
        />
        <h2>{t.addEndpoint}</h2>
        <form method="post" action={`/console/webhooks?lang=${locale}&mode=${mode}`}>
          <input type="hidden" name="csrf" value={signedIn.session.csrfToken} />
          <div class="field">
            <label for="url">{t.url}</label>
            <input id="url" name="url" type="url" required dir="ltr" />
          </div>
          <fieldset>
            <legend>{t.eventsToSend}</legend>
            {EVENT_TYPES.map((type) => (
              <div key={type}>
                <input type="checkbox" id={`event-${type}`} name="events" value={type} />
                <label for={`event-${type}`} dir="ltr">
                  {type}
                </label>
              </div>
            ))}
            <p class="note">{t.allEvents}</p>
          </fieldset>
          <button type="submit">{t.addEndpoint}</button>
        </form>
      </ConsolePage>,
      { status: created?.error ? 400 : 200 },
    );
  }

  async function keysPage(
    request: FastifyRequest,
    reply: FastifyReply,
    session: MerchantSession,
    outcome?: { secret: string } | 'already_created',
  ) {
    const { signedIn, locale, merchantId } = session;
    const t = { ...consoleMessages(locale), ...merchantMessages(locale) };
    const keys = (await deps.merchants.listApiKeys(merchantId)).filter((k) => !k.livemode);
    const secret = typeof outcome === 'object' ? outcome.secret : undefined;
    return sendPage(
      reply,
      <ConsolePage locale={locale} path={request.url} title={t.apiKeys} signedIn={signedIn}>
        <p class="note">{t.liveKeysNote}</p>
        {secret ? (
          <p class="note" role="status">
            {t.keySecretOnce}{' '}
            <code dir="ltr" id="key-secret">
              {secret}
            </code>
          </p>
        ) : null}
        {outcome === 'already_created' ? (
          <p class="note" role="status">
            {t.keyAlreadyCreated}
          </p>
        ) : null}
        <Table
          rows={keys}
          empty={t.noKeys}
          headings={[t.key, t.keyLabel, t.created, t.status, t.action]}
          row={(k) => (
            <tr key={k.id} data-key={k.id}>
              <td dir="ltr">{k.hint}</td>
              <td>{k.label ?? ''}</td>
              <td>
                <When at={k.createdAt} />
              </td>
              <td class="key-status">{k.revokedAt ? t.revoked : t.active}</td>
              <td>
                {k.revokedAt ? null : (
                  <PostButton
                    action={`/console/keys/${k.id}/revoke?lang=${locale}`}
                    csrf={signedIn.session.csrfToken}
                    label={t.revoke}
                  />
                )}
              </td>
            </tr>
          )}
        />
        <h2>{t.createKey}</h2>
        <form method="post" action={`/console/keys?lang=${locale}`}>
          <FormTokens csrf={signedIn.session.csrfToken} once />
          <div class="field">
            <label for="label">{t.keyLabel}</label>
            <input id="label" name="label" maxlength={100} />
          </div>
          <button type="submit">{t.createKey}</button>
        </form>
      </ConsolePage>,
      { status: secret ? 201 : outcome === 'already_created' ? 409 : 200 },
    );
  }

  return async (app: App) => {
    app.get(
      '/console/payments/:paymentId',
      { schema: { hide: true, params: Type.Object({ paymentId: Id }) } },
      async (request, reply) => {
        const session = await merchantSession(request, reply, 'payments.read');
        if (!session) return reply;
        const found = await ownPayment(session.merchantId, request.params.paymentId);
        if (!found) return notFound(request, reply);
        const q = request.query as Partial<
          Record<
            | 'purpose'
            | 'refund_error'
            | 'refunded'
            | 'capture_error'
            | 'release_error'
            | 'captured'
            | 'released',
            string
          >
        >;
        return paymentPage(request, reply, session, found, {
          refundError: q.refund_error?.slice(0, 100),
          refunded: q.refunded === '1',
          holdError: (q.capture_error ?? q.release_error)?.slice(0, 100),
          held: q.captured === '1' ? 'captured' : q.released === '1' ? 'released' : undefined,
          revealPurpose: q.purpose,
        });
      },
    );

    /**
     * A form that moves a payment's money (refund, capture, release of a hold): the owner's, in the
     * payment's mode. `act` runs in one transaction with its audit record; the page then says how it
     * went (`<done>=1`, or `<path>_error=<problem code>`). An amount, when the form has one, is typed
     * in the payment's currency; empty means all there is.
     */
    function moneyAction(
      path: 'refund' | 'capture' | 'release',
      done: 'refunded' | 'captured' | 'released',
      act: (
        payment: PaymentRow,
        caller: { merchant: Merchant; livemode: boolean },
        form: { amount: bigint | undefined; reason: string | null },
        trx: SharedDb,
      ) => Promise<
        Problem | { action: string; target: { type: string; id: string }; details: Record<string, unknown> }
      >,
    ) {
      app.post(
        `/console/payments/:paymentId/${path}`,
        {
          schema: {
            hide: true,
            params: Type.Object({ paymentId: Id }),
            body: Type.Object({
              csrf: Type.Optional(Csrf),
              amount: Type.Optional(Type.String({ maxLength: 30 })),
              reason: Type.Optional(Type.String({ maxLength: 200 })),
            }),
          },
        },
        async (request, reply) => {
          const session = await merchantSession(request, reply, 'payments.refund', {
            token: request.body.csrf,
          });
          if (!session) return reply;
          const found = await ownPayment(session.merchantId, request.params.paymentId);
          const merchant = await deps.merchants.getMerchant(session.merchantId);
          if (!found || !merchant) return notFound(request, reply);
          const { payment, scope } = found;
          const back = (query: string) =>
            reply.redirect(`/console/payments/${payment.id}?lang=${session.locale}&${query}`, 303);
          const amountText = request.body.amount?.trim() ?? '';
          const currency = isCurrencyCode(payment.currency) ? currencies[payment.currency] : undefined;
          const amount = amountText && currency ? parseDecimalAmount(amountText, currency) : undefined;
          if (amountText && amount === undefined) return back(`${path}_error=invalid_amount`);
          const outcome = await deps.store.transaction(async (trx) => {
            const done = await act(
              payment,
              { merchant, livemode: scope.livemode },
              { amount, reason: request.body.reason?.trim() || null },
              trx,
            );
            if (done instanceof Problem) return done;
            await deps.audit.append({ ...byPerson(session.signedIn, request), ...done }, trx);
            return done;
          });
          if (outcome instanceof Problem) return back(`${path}_error=${encodeURIComponent(outcome.code)}`);
          return back(`${done}=1`);
        },
      );
    }

    moneyAction('refund', 'refunded', async (payment, caller, form, trx) => {
      const refund = await deps.payments.refund(
        caller,
        {
          paymentId: payment.id,
          ...(form.amount === undefined ? {} : { amount: form.amount }),
          reason: form.reason,
        },
        trx,
      );
      if (refund instanceof Problem) return refund;
      return {
        action: 'payment.refund',
        target: { type: 'refund', id: refund.id },
        details: { payment: payment.id, amount: refund.amount, currency: refund.currency },
      };
    });

    // A hold (manual capture: a deposit, a booking) is captured, in full or in part, or released.
    moneyAction('capture', 'captured', async (payment, caller, form, trx) => {
      const captured = await deps.payments.capture(caller, payment.id, form.amount, trx);
      if (captured instanceof Problem) return captured;
      return {
        action: 'payment.capture',
        target: { type: 'payment', id: payment.id },
        details: { amount: captured.amount_captured, currency: captured.currency },
      };
    });

    moneyAction('release', 'released', async (payment, caller, _form, trx) => {
      const canceled = await deps.payments.cancel(caller, payment.id, null, trx);
      if (canceled instanceof Problem) return canceled;
      return {
        action: 'payment.cancel',
        target: { type: 'payment', id: payment.id },
        details: { released: payment.amount_capturable, currency: payment.currency },
      };
    });

    app.get(
      '/console/refunds/:refundId',
      { schema: { hide: true, params: Type.Object({ refundId: Id }) } },
      async (request, reply) => {
        const session = await merchantSession(request, reply, 'payments.read');
        if (!session) return reply;
        const own = await inEitherMode(session.merchantId, (scope) =>
          deps.payments.getRefund(scope, request.params.refundId),
        );
        if (!own) return notFound(request, reply);
        return reply.redirect(`/console/payments/${own.found.payment_id}?lang=${session.locale}`, 303);
      },
    );

    app.get('/console/webhooks', { schema: { hide: true } }, async (request, reply) => {
      const session = await merchantSession(request, reply, 'webhooks.manage');
      if (!session) return reply;
      return webhooksPage(request, reply, session, modeOf(request));
    });

    app.post(
      '/console/webhooks',
      {
        schema: {
          hide: true,
          body: Type.Object({
            csrf: Type.Optional(Csrf),
            url: Type.String({ maxLength: 2000 }),
            events: Type.Optional(
              Type.Union([Type.String({ maxLength: 64 }), Type.Array(Type.String({ maxLength: 64 }))]),
            ),
          }),
        },
      },
      async (request, reply) => {
        const session = await merchantSession(request, reply, 'webhooks.manage', {
          token: request.body.csrf,
        });
        if (!session) return reply;
        const livemode = modeOf(request);
        const scope = { merchantId: session.merchantId, livemode };
        const events = [request.body.events ?? []].flat();
        const created = await deps.store.transaction(async (trx) => {
          const result = await deps.webhooks.createEndpoint(
            scope,
            { url: request.body.url.trim(), events },
            trx,
          );
          if (result instanceof Problem) return result;
          await deps.audit.append(
            {
              ...byPerson(session.signedIn, request),
              action: 'webhook_endpoint.create',
              target: { type: 'webhook_endpoint', id: result.endpoint.id },
              details: { url: result.endpoint.url, events: result.endpoint.enabledEvents, livemode },
            },
            trx,
          );
          return result;
        });
        return webhooksPage(
          request,
          reply,
          session,
          livemode,
          created instanceof Problem
            ? { error: created.detail ?? created.title }
            : { secret: created.secret },
        );
      },
    );

    /**
     * A form's change to one of the merchant's endpoints, whichever mode it is in: `change` runs in
     * each mode until one finds the endpoint, the change is audited, and `answer` replies; 404 when
     * neither mode has it.
     */
    function endpointAction<T>(
      path: string,
      action: string,
      details: Record<string, unknown>,
      change: (scope: Scope, endpointId: string, trx: SharedDb) => Promise<T | undefined>,
      answer: (reply: FastifyReply, session: MerchantSession, livemode: boolean, result: T) => unknown,
    ) {
      app.post(
        `/console/webhooks/:endpointId/${path}`,
        {
          schema: {
            hide: true,
            params: Type.Object({ endpointId: Id }),
            body: Type.Object({ csrf: Type.Optional(Csrf) }),
          },
        },
        async (request, reply) => {
          const session = await merchantSession(request, reply, 'webhooks.manage', {
            token: request.body.csrf,
          });
          if (!session) return reply;
          const { endpointId } = request.params;
          const changed = await deps.store.transaction(async (trx) => {
            const own = await inEitherMode(session.merchantId, (scope) => change(scope, endpointId, trx));
            if (!own) return undefined;
            const { livemode } = own.scope;
            await deps.audit.append(
              {
                ...byPerson(session.signedIn, request),
                action,
                target: { type: 'webhook_endpoint', id: endpointId },
                details: { livemode, ...details },
              },
              trx,
            );
            return { livemode, result: own.found };
          });
          if (!changed) return notFound(request, reply);
          return answer(reply, session, changed.livemode, changed.result);
        },
      );
    }

    endpointAction(
      'disable',
      'webhook_endpoint.disable',
      {},
      async (scope, endpointId, trx) =>
        (await deps.webhooks.disableEndpoint(scope, endpointId, trx)) || undefined,
      (reply, session, livemode) =>
        reply.redirect(`/console/webhooks?lang=${session.locale}&mode=${livemode ? 'live' : 'test'}`, 303),
    );

    // A new signing secret, shown once; the old one keeps signing for a day.
    endpointAction(
      'roll-secret',
      'webhook_endpoint.roll_secret',
      { overlap_hours: DEFAULT_ROLL_OVERLAP_HOURS },
      (scope, endpointId, trx) =>
        deps.webhooks.rollSecret(scope, endpointId, DEFAULT_ROLL_OVERLAP_HOURS, trx),
      (reply, session, livemode, rolled) =>
        webhooksPage(reply.request, reply, session, livemode, {
          secret: rolled.secret,
          previousUntil: rolled.previousSecretExpiresAt,
        }),
    );

    app.get(
      '/console/webhooks/:endpointId',
      { schema: { hide: true, params: Type.Object({ endpointId: Id }) } },
      async (request, reply) => {
        const session = await merchantSession(request, reply, 'webhooks.manage');
        if (!session) return reply;
        const found = await ownEndpoint(session.merchantId, request.params.endpointId);
        if (!found) return notFound(request, reply);
        const { signedIn, locale } = session;
        const t = { ...consoleMessages(locale), ...merchantMessages(locale) };
        const replayed = (request.query as { replayed?: string }).replayed;
        return sendPage(
          reply,
          <ConsolePage locale={locale} path={request.url} title={t.deliveries} signedIn={signedIn}>
            <p dir="ltr">{found.endpoint?.url ?? request.params.endpointId}</p>
            {replayed && /^\d+$/.test(replayed) ? (
              <p class="note" role="status" id="replayed">
                {fill(t.replayed, { count: replayed })}
              </p>
            ) : null}
            <Table
              rows={found.deliveries}
              empty={t.noDeliveries}
              headings={[t.when, t.event, t.attempt, t.result, t.duration, t.action]}
              row={(d) => (
                <tr key={d.id} data-delivery={d.id}>
                  <td>
                    <When at={d.createdAt} />
                  </td>
                  <td dir="ltr">{d.eventId}</td>
                  <td>{d.attempt}</td>
                  <td class="delivery-result">
                    {d.succeeded ? t.succeededDelivery : t.failedDelivery}
                    {d.statusCode === null ? '' : ` (HTTP ${d.statusCode})`}
                    {d.error ? ` ${d.error}` : ''}
                  </td>
                  <td>{d.durationMs}</td>
                  <td>
                    <form
                      method="post"
                      action={`/console/webhooks/${request.params.endpointId}/deliveries/${d.id}/replay?lang=${locale}`}
                    >
                      <input type="hidden" name="csrf" value={signedIn.session.csrfToken} />
                      <button type="submit">{t.replay}</button>
                    </form>
                  </td>
                </tr>
              )}
            />
          </ConsolePage>,
        );
      },
    );

    app.post(
      '/console/webhooks/:endpointId/deliveries/:deliveryId/replay',
      {
        schema: {
          hide: true,
          params: Type.Object({ endpointId: Id, deliveryId: Id }),
          body: Type.Object({ csrf: Type.Optional(Csrf) }),
        },
      },
      async (request, reply) => {
        const session = await merchantSession(request, reply, 'webhooks.manage', {
          token: request.body.csrf,
        });
        if (!session) return reply;
        const { endpointId, deliveryId } = request.params;
        const found = await ownEndpoint(session.merchantId, endpointId);
        const delivery = found?.deliveries.find((d) => d.id === deliveryId);
        if (!found || !delivery) return notFound(request, reply);
        const queued = await deps.store.transaction(async (trx) => {
          const count = await deps.webhooks.redeliver(found.scope, delivery.eventId, endpointId, trx);
          await deps.audit.append(
            {
              ...byPerson(session.signedIn, request),
              action: 'webhook.replay',
              target: { type: 'event', id: delivery.eventId },
              details: { endpoint: endpointId, delivery: deliveryId, queued: count ?? 0 },
            },
            trx,
          );
          return count ?? 0;
        });
        return reply.redirect(
          `/console/webhooks/${endpointId}?lang=${session.locale}&replayed=${queued}`,
          303,
        );
      },
    );

    app.get('/console/keys', { schema: { hide: true } }, async (request, reply) => {
      const session = await merchantSession(request, reply, 'keys.manage');
      if (!session) return reply;
      return keysPage(request, reply, session);
    });

    app.post(
      '/console/keys',
      {
        schema: {
          hide: true,
          body: Type.Object({
            csrf: Type.Optional(Csrf),
            label: Type.Optional(Type.String({ maxLength: 100 })),
            once: Type.Optional(Type.String({ pattern: formOnce.pattern.source })),
          }),
        },
      },
      async (request, reply) => {
        const session = await merchantSession(request, reply, 'keys.manage', { token: request.body.csrf });
        if (!session) return reply;
        const label = request.body.label?.trim() || undefined;
        // Only test keys from the console: live keys wait for the merchant's approval.
        const created = await deps.store.transaction(async (trx) => {
          // A refresh or a second click posts the form again: it must not make a second key.
          const once = request.body.once;
          const scope = { merchantId: session.merchantId, livemode: false };
          if (once && !(await formOnce.claim(trx, scope, 'api_key', once))) return 'already_created' as const;
          const key = await deps.merchants.createApiKey(
            session.merchantId,
            false,
            label ? { label } : {},
            trx,
          );
          await deps.audit.append(
            {
              ...byPerson(session.signedIn, request),
              action: 'api_key.create',
              target: { type: 'api_key', id: key.apiKey.id },
              details: { hint: key.apiKey.hint, livemode: false, label: label ?? null },
            },
            trx,
          );
          return { secret: key.secret };
        });
        return keysPage(request, reply, session, created);
      },
    );

    app.post(
      '/console/keys/:keyId/revoke',
      {
        schema: {
          hide: true,
          params: Type.Object({ keyId: Id }),
          body: Type.Object({ csrf: Type.Optional(Csrf) }),
        },
      },
      async (request, reply) => {
        const session = await merchantSession(request, reply, 'keys.manage', { token: request.body.csrf });
        if (!session) return reply;
        const { keyId } = request.params;
        const key = (await deps.merchants.listApiKeys(session.merchantId)).find(
          (k) => k.id === keyId && !k.livemode,
        );
        if (!key) return notFound(request, reply);
        await deps.store.transaction(async (trx) => {
          if (!(await deps.merchants.revokeApiKey(session.merchantId, keyId, trx))) return;
          await deps.audit.append(
            {
              ...byPerson(session.signedIn, request),
              action: 'api_key.revoke',
              target: { type: 'api_key', id: keyId },
              details: { hint: key.hint, livemode: key.livemode },
            },
            trx,
          );
        });
        return reply.redirect(`/console/keys?lang=${session.locale}`, 303);
      },
    );

    app.get('/console/settlements', { schema: { hide: true } }, async (request, reply) => {
      const session = await merchantSession(request, reply, 'settlements.read');
      if (!session) return reply;
      const { signedIn, locale, merchantId } = session;
      const t = { ...consoleMessages(locale), ...merchantMessages(locale) };
      const q = request.query as { date?: string; format?: string };
      const date = q.date && isCalendarDate(q.date) ? q.date : moroccanDate(new Date());
      const livemode = modeOf(request);
      const merchant = await deps.merchants.getMerchant(merchantId);
      const currency: CurrencyCode =
        merchant && isCurrencyCode(merchant.currency) ? merchant.currency : 'MAD';
      const report = await settlementReport(deps, { merchantId, livemode }, date, currency);
      if (q.format === 'csv')
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="settlement-${date}.csv"`)
          .send(settlementCsv(report));
      const money = (amount: bigint) => formatMoney(amount, currency, locale);
      const mode = livemode ? 'live' : 'test';
      return sendPage(
        reply,
        <ConsolePage locale={locale} path={request.url} title={t.settlements} signedIn={signedIn}>
          <form method="get" action="/console/settlements" class="filters">
            <input type="hidden" name="lang" value={locale} />
            <div class="field">
              <label for="date">{t.date}</label>
              <input id="date" name="date" type="date" value={date} />
            </div>
            <ModeSelect locale={locale} livemode={livemode} />
            <button type="submit">{t.show}</button>
          </form>
          <dl class="summary" id="settlement">
            <div>
              <dt>{fill(t.capturedCount, { count: report.captured.count })}</dt>
              <dd>{money(report.captured.amount)}</dd>
            </div>
            <div>
              <dt>{fill(t.refundedCount, { count: report.refunded.count })}</dt>
              <dd>{money(report.refunded.amount)}</dd>
            </div>
            <div>
              <dt>{t.fees}</dt>
              <dd>{money(report.fees)}</dd>
            </div>
            <div>
              <dt>{t.payable}</dt>
              <dd id="settlement-payable">{money(report.payable)}</dd>
            </div>
            <div>
              <dt>{t.reconciled}</dt>
              <dd id="settlement-reconciled">{report.reconciled ? t.yes : t.no}</dd>
            </div>
          </dl>
          <p>
            <a href={`/console/settlements?date=${date}&mode=${mode}&format=csv`}>{t.downloadCsv}</a>
          </p>
          <Table
            rows={report.lines}
            empty={t.noMovements}
            headings={[t.when, t.kind, t.payment, t.amount, t.fee, t.net]}
            row={(l) => (
              <tr key={`${l.paymentId}-${l.refundId ?? ''}-${l.kind}`}>
                <td>
                  <When at={l.at} />
                </td>
                <td>{l.kind}</td>
                <td dir="ltr">
                  <a href={`/console/payments/${l.paymentId}?lang=${locale}`}>{l.paymentId}</a>
                </td>
                <td>{money(l.amount)}</td>
                <td>{money(l.fee)}</td>
                <td>{money(l.net)}</td>
              </tr>
            )}
          />
        </ConsolePage>,
      );
    });
  };
}
