import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { currencies, parseDecimalAmount } from '../core/money.js';
import { Problem } from '../core/problem.js';
import type { App } from '../http/server.js';
import type { PaymentService } from '../payments/service.js';
import { fill, localeOf } from '../web/i18n.js';
import { sendPage } from '../web/render.js';
import { billMessages } from './messages.js';
import type { Biller } from './model.js';
import {
  BillerNotFoundPage,
  BillerPage,
  type BillerPageProps,
  BillersPage,
  NotCompletedPage,
  NotGenuinePage,
  ReceiptPage,
  VerifyPage,
} from './pages.js';
import { receiptPdf } from './pdf.js';
import { refuseOverLimit } from './routes.js';
import type { BillSelection, BillService } from './service.js';

export interface BillPageDeps {
  bills: BillService;
  payments: PaymentService;
  baseUrl: () => string;
}

const BillerParams = Type.Object({ id: Type.String({ pattern: '^blr_[0-9a-z_]{1,40}$' }) });
const ReceiptParams = Type.Object({ number: Type.String({ maxLength: 40 }) });
const FormValues = Type.Record(
  Type.String({ maxLength: 64 }),
  Type.Union([Type.String({ maxLength: 64 }), Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 })]),
  { maxProperties: 70 },
);

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
const many = (value: string | string[] | undefined) =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** /bills (choose a biller, type the reference, tick bills, pay) and /receipts (verify, PDF). */
export function billPageRoutes(deps: BillPageDeps) {
  const { bills } = deps;
  const verifyUrl = (number: string) => `${deps.baseUrl()}/receipts/${number}`;

  function referenceValues(biller: Biller, source: Record<string, string | string[] | undefined>) {
    return Object.fromEntries(
      biller.referenceFields.map((f) => [f.name, (single(source[f.name]) ?? '').trim()]),
    );
  }

  /** The biller's page for the reference typed so far, with what this step adds to it. */
  function sendBillerPage(
    request: FastifyRequest,
    reply: FastifyReply,
    page: Omit<BillerPageProps, 'locale' | 'path'>,
    status = 200,
  ) {
    return sendPage(reply, <BillerPage locale={localeOf(request)} path={request.url} {...page} />, {
      status,
    });
  }

  /** The biller's form again, saying when the client may look bills up next (refuseOverLimit set retry-after). */
  function tooManyLookups(
    request: FastifyRequest,
    reply: FastifyReply,
    biller: Biller,
    values: Record<string, string>,
  ) {
    const t = billMessages(localeOf(request));
    const error = fill(t.too_many_lookups, { n: String(reply.getHeader('retry-after')) });
    return sendBillerPage(request, reply, { biller, values, error }, 429);
  }

  async function billerPage(
    request: FastifyRequest,
    reply: FastifyReply,
    biller: Biller,
    values: Record<string, string>,
    extra: { error?: string; status?: number; selected?: string[] } = {},
  ) {
    const t = billMessages(localeOf(request));
    const typed = Object.values(values).some((v) => v !== '');
    if (!typed) return sendBillerPage(request, reply, { biller, values });
    if (refuseOverLimit(bills, request, reply)) return tooManyLookups(request, reply, biller, values);
    const found = await bills.lookup(biller, values);
    if (found instanceof Problem) {
      const fieldErrors = Object.fromEntries(
        ((found.extensions.errors as { field: string }[] | undefined) ?? []).map((e) => [
          e.field,
          t.invalid_reference,
        ]),
      );
      return sendBillerPage(request, reply, { biller, values, fieldErrors }, 422);
    }
    return sendBillerPage(
      request,
      reply,
      {
        biller,
        values,
        found,
        ...(extra.error ? { error: extra.error } : {}),
        ...(extra.selected ? { selected: extra.selected } : {}),
      },
      extra.status ?? 200,
    );
  }

  async function billerOrPage(request: FastifyRequest, reply: FastifyReply, id: string) {
    const biller = await bills.getBiller(id);
    if (!biller) {
      await sendPage(reply, <BillerNotFoundPage locale={localeOf(request)} path={request.url} />, {
        status: 404,
      });
      return undefined;
    }
    return biller;
  }

  /** The receipt of that number, or undefined once the "not a genuine receipt" page (404) is sent. */
  async function receiptOrPage(request: FastifyRequest, reply: FastifyReply, number: string) {
    const receipt = await bills.receipt(number);
    if (!receipt) {
      await sendPage(
        reply,
        <NotGenuinePage locale={localeOf(request)} path={request.url} number={number} />,
        {
          status: 404,
        },
      );
      return undefined;
    }
    return receipt;
  }

  return async (app: App) => {
    app.get('/bills', { schema: { hide: true } }, async (request, reply) => {
      const locale = localeOf(request);
      return sendPage(
        reply,
        <BillersPage locale={locale} path={request.url} billers={await bills.listBillers()} />,
      );
    });

    app.get(
      '/bills/:id',
      { schema: { hide: true, params: BillerParams, querystring: FormValues } },
      async (request, reply) => {
        const biller = await billerOrPage(request, reply, request.params.id);
        if (!biller) return reply;
        return billerPage(request, reply, biller, referenceValues(biller, request.query));
      },
    );

    app.post(
      '/bills/:id/pay',
      { schema: { hide: true, params: BillerParams, body: FormValues } },
      async (request, reply) => {
        const locale = localeOf(request);
        const t = billMessages(locale);
        const biller = await billerOrPage(request, reply, request.params.id);
        if (!biller) return reply;
        const form = request.body;
        const values = referenceValues(biller, form);
        const chosen = many(form.bill);
        // Paying reveals bills too: it counts as a lookup.
        if (refuseOverLimit(bills, request, reply)) return tooManyLookups(request, reply, biller, values);
        const selection: BillSelection[] = [];
        for (const billId of chosen) {
          const typed = single(form[`amount_${billId}`]);
          if (biller.partialPayment && typed !== undefined && typed !== '') {
            const amount = parseDecimalAmount(typed.replace(',', '.'), currencies.MAD);
            if (amount === undefined || amount <= 0n)
              return billerPage(request, reply, biller, values, {
                error: t.amount_too_large,
                status: 422,
                selected: chosen,
              });
            selection.push({ billId, amount });
          } else selection.push({ billId });
        }
        const started = await bills.startPayment(biller, {
          reference: values,
          bills: selection,
          returnUrl: `${deps.baseUrl()}/bills/return?lang=${locale}`,
        });
        if (started instanceof Problem) {
          const message = (t as Record<string, string>)[started.code] ?? t.bill_not_payable;
          return billerPage(request, reply, biller, values, {
            error: message,
            status: started.status === 409 ? 409 : 422,
            selected: chosen,
          });
        }
        return reply.redirect(`/pay/${started.payment.id}?lang=${locale}`, 303);
      },
    );

    // The hosted payment page sends the browser back here (?payment=…&status=…&token=…).
    app.get(
      '/bills/return',
      {
        schema: {
          hide: true,
          querystring: Type.Object({
            payment: Type.Optional(Type.String({ maxLength: 64 })),
            lang: Type.Optional(Type.String({ maxLength: 5 })),
            status: Type.Optional(Type.String({ maxLength: 40 })),
            token: Type.Optional(Type.String({ maxLength: 4000 })),
          }),
        },
      },
      async (request, reply) => {
        const locale = localeOf(request);
        const paymentId = request.query.payment ?? '';
        const number = paymentId ? await bills.receiptNumberOfPayment(paymentId) : undefined;
        if (number) return reply.redirect(`/receipts/${number}?lang=${locale}`, 303);
        const payment = paymentId ? await deps.payments.getById(paymentId) : undefined;
        const billerId = payment?.metadata.biller;
        const back = billerId ? `/bills/${billerId}?lang=${locale}` : `/bills?lang=${locale}`;
        return sendPage(reply, <NotCompletedPage locale={locale} path={request.url} backUrl={back} />, {
          status: 402,
        });
      },
    );

    app.get(
      '/receipts',
      {
        schema: {
          hide: true,
          querystring: Type.Object({
            number: Type.Optional(Type.String({ maxLength: 40 })),
            lang: Type.Optional(Type.String({ maxLength: 5 })),
          }),
        },
      },
      async (request, reply) => {
        const locale = localeOf(request);
        const number = request.query.number?.trim();
        if (number)
          return reply.redirect(`/receipts/${encodeURIComponent(number.toUpperCase())}?lang=${locale}`, 303);
        return sendPage(reply, <VerifyPage locale={locale} path={request.url} />);
      },
    );

    app.get(
      '/receipts/:number',
      { schema: { hide: true, params: ReceiptParams } },
      async (request, reply) => {
        const locale = localeOf(request);
        const receipt = await receiptOrPage(request, reply, request.params.number);
        if (!receipt) return reply;
        return sendPage(
          reply,
          <ReceiptPage
            locale={locale}
            path={request.url}
            receipt={receipt}
            verifyUrl={verifyUrl(receipt.number)}
          />,
        );
      },
    );

    app.get(
      '/receipts/:number/pdf',
      { schema: { hide: true, params: ReceiptParams } },
      async (request, reply) => {
        const locale = localeOf(request);
        const receipt = await receiptOrPage(request, reply, request.params.number);
        if (!receipt) return reply;
        const pdf = await receiptPdf(receipt, locale, verifyUrl(receipt.number));
        return reply
          .type('application/pdf')
          .header('content-disposition', `inline; filename="${receipt.number}-${locale}.pdf"`)
          .header('cache-control', 'no-store')
          .header('x-content-type-options', 'nosniff')
          .send(pdf);
      },
    );
  };
}
