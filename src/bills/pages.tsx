import { currencies, formatDecimalAmount, type MinorUnits } from '../core/money.js';
import { fill, formatMoney, formatMoroccanTime, type Locale } from '../web/i18n.js';
import { Page } from '../web/render.js';
import { billMessages } from './messages.js';
import { BILLER_CATEGORIES, type Biller, type BillRow, outstanding } from './model.js';
import type { Receipt } from './service.js';

const money = (amount: MinorUnits, locale: Locale) => formatMoney(amount, 'MAD', locale);

export function formatDateTime(at: Date, locale: Locale): string {
  return formatMoroccanTime(at, locale);
}

/** "2.50 MAD + 0.5 %" in the page language. */
export function feeRule(biller: Biller, locale: Locale): string {
  const parts = [
    ...(biller.fee.fixed > 0n ? [money(biller.fee.fixed, locale)] : []),
    ...(biller.fee.bps > 0
      ? [
          `${(biller.fee.bps / 100).toLocaleString(locale === 'ar' ? 'ar-MA' : locale, { numberingSystem: 'latn' } as Intl.NumberFormatOptions)} %`,
        ]
      : []),
  ];
  return parts.join(' + ');
}

function FeeNote({ biller, locale }: { biller: Biller; locale: Locale }) {
  const t = billMessages(locale);
  const rule = feeRule(biller, locale);
  const text = !rule
    ? t.feeNone
    : biller.fee.payer === 'consumer'
      ? fill(t.feeConsumer, { rule })
      : fill(t.feeBiller, { biller: biller.name[locale] });
  return <p class="note">{text}</p>;
}

export function BillersPage({ locale, path, billers }: { locale: Locale; path: string; billers: Biller[] }) {
  const t = billMessages(locale);
  return (
    <Page locale={locale} title={t.title} path={path}>
      <h1>{t.title}</h1>
      <p>{t.intro}</p>
      <h2>{t.chooseBiller}</h2>
      {BILLER_CATEGORIES.filter((c) => billers.some((b) => b.category === c)).map((category) => (
        <section key={category} class="billers">
          <h3>{t[category]}</h3>
          <ul>
            {billers
              .filter((b) => b.category === category)
              .map((b) => (
                <li key={b.id}>
                  <a href={`/bills/${b.id}?lang=${locale}`}>{b.name[locale]}</a>
                </li>
              ))}
          </ul>
        </section>
      ))}
    </Page>
  );
}

export interface BillerPageProps {
  locale: Locale;
  path: string;
  biller: Biller;
  /** What the consumer typed, by field name. */
  values: Record<string, string>;
  /** Problems with the typed reference, by field. */
  fieldErrors?: Record<string, string>;
  /** The bills found (after a lookup), with each one's fee. */
  found?: { bill: BillRow; fee: MinorUnits }[];
  /** A problem with the payment form, in the page language. */
  error?: string;
  selected?: string[];
}

/** The reference form and, once looked up, the bills due with a box to tick for each. */
export function BillerPage({
  locale,
  path,
  biller,
  values,
  fieldErrors = {},
  found,
  error,
  selected = [],
}: BillerPageProps) {
  const t = billMessages(locale);
  const name = biller.name[locale];
  return (
    <Page locale={locale} title={`${name} · ${t.title}`} path={path}>
      <p>
        <a href={`/bills?lang=${locale}`}>{t.changeBiller}</a>
      </p>
      <h1>{name}</h1>
      <form method="get" action={`/bills/${biller.id}`} class="reference-form">
        <input type="hidden" name="lang" value={locale} />
        <h2>{t.yourReference}</h2>
        <p class="note">{t.referenceHelp}</p>
        {biller.referenceFields.map((field) => {
          const id = `ref-${field.name}`;
          const problem = fieldErrors[field.name];
          return (
            <div class="field" key={field.name}>
              <label for={id}>{field.label[locale]}</label>
              <input
                id={id}
                name={field.name}
                value={values[field.name] ?? ''}
                required
                dir="ltr"
                maxlength={64}
                autocomplete="off"
                {...(problem ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-error` } : {})}
              />
              {problem ? (
                <p class="field-error" id={`${id}-error`} role="alert">
                  {problem}
                </p>
              ) : null}
            </div>
          );
        })}
        <button type="submit" class="button">
          {t.find}
        </button>
      </form>
      {error ? (
        <div class="decline" role="alert">
          <p>{error}</p>
        </div>
      ) : null}
      {found ? (
        <BillsForm locale={locale} biller={biller} values={values} found={found} selected={selected} />
      ) : null}
    </Page>
  );
}

function BillsForm({
  locale,
  biller,
  values,
  found,
  selected,
}: {
  locale: Locale;
  biller: Biller;
  values: Record<string, string>;
  found: { bill: BillRow; fee: MinorUnits }[];
  selected: string[];
}) {
  const t = billMessages(locale);
  if (found.length === 0) return <p class="bills-none">{t.noBills}</p>;
  const consumerPays = biller.fee.payer === 'consumer';
  return (
    <form method="post" action={`/bills/${biller.id}/pay?lang=${locale}`} class="bills-form">
      <h2>{t.billsHeading}</h2>
      {biller.referenceFields.map((f) => (
        <input type="hidden" name={f.name} value={values[f.name] ?? ''} key={f.name} />
      ))}
      <table class="bills">
        <thead>
          <tr>
            <th scope="col">{t.select}</th>
            <th scope="col">{t.bill}</th>
            <th scope="col">{t.amount}</th>
            <th scope="col">{t.lateFee}</th>
            <th scope="col">{t.fee}</th>
            <th scope="col">{t.toPay}</th>
          </tr>
        </thead>
        <tbody>
          {found.map(({ bill, fee }) => {
            const due = outstanding(bill);
            const label = bill.description ?? bill.external_id;
            return (
              <tr key={bill.id}>
                <td>
                  <input
                    type="checkbox"
                    name="bill"
                    value={bill.id}
                    id={`bill-${bill.id}`}
                    checked={selected.length === 0 || selected.includes(bill.id)}
                  />
                </td>
                <td>
                  <label for={`bill-${bill.id}`}>{label}</label>
                  <br />
                  <small>
                    {[bill.period, bill.due_date ? `${t.due} ${bill.due_date}` : null]
                      .filter(Boolean)
                      .join(' · ')}
                  </small>
                </td>
                <td class="amount">{money(bill.amount, locale)}</td>
                <td class="amount">{bill.late_fee > 0n ? money(bill.late_fee, locale) : '—'}</td>
                <td class="amount">{money(fee, locale)}</td>
                <td class="amount">{money(consumerPays ? due + fee : due, locale)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {biller.partialPayment ? (
        <div class="partial">
          <p class="note">{t.partialHint}</p>
          {found.map(({ bill }) => (
            <div class="field" key={bill.id}>
              <label for={`amount-${bill.id}`}>
                {fill(t.amountToPay, { bill: bill.description ?? bill.external_id })}
              </label>
              <input
                id={`amount-${bill.id}`}
                name={`amount_${bill.id}`}
                inputmode="decimal"
                dir="ltr"
                maxlength={16}
                value={formatDecimalAmount(outstanding(bill), currencies.MAD)}
              />
            </div>
          ))}
        </div>
      ) : null}
      <FeeNote biller={biller} locale={locale} />
      <p class="note">{fill(t.maxBills, { n: biller.maxBillsPerPayment })}</p>
      <button type="submit" class="button">
        {t.continue}
      </button>
    </form>
  );
}

const LANGUAGE_NAMES: Record<Locale, string> = { ar: 'العربية', fr: 'Français', en: 'English' };

export function ReceiptPage({
  locale,
  path,
  receipt,
  verifyUrl,
}: {
  locale: Locale;
  path: string;
  receipt: Receipt;
  verifyUrl: string;
}) {
  const t = billMessages(locale);
  const quittance = receipt.biller.category === 'treasury';
  const title = quittance ? t.quittanceTitle : t.receiptTitle;
  return (
    <Page locale={locale} title={`${title} ${receipt.number}`} path={path}>
      <h1 class={receipt.status === 'paid' ? 'ok' : undefined}>{title}</h1>
      {receipt.status === 'paid' ? (
        <p class="genuine">{t.genuine}</p>
      ) : (
        <div class="decline" role="alert">
          <p>{fill(t.refunded, { date: formatDateTime(receipt.refundedAt ?? receipt.paidAt, locale) })}</p>
        </div>
      )}
      <dl class="summary receipt">
        <div>
          <dt>{t.receiptNumber}</dt>
          <dd class="receipt-number" dir="ltr">
            {receipt.number}
          </dd>
        </div>
        <div>
          <dt>{t.paidAt}</dt>
          <dd>{formatDateTime(receipt.paidAt, locale)}</dd>
        </div>
        <div>
          <dt>{t.biller}</dt>
          <dd>{receipt.biller.name[locale]}</dd>
        </div>
        {receipt.biller.referenceFields.map((f) => (
          <div key={f.name}>
            <dt>{f.label[locale]}</dt>
            <dd dir="ltr">{receipt.referenceValues[f.name] ?? ''}</dd>
          </div>
        ))}
        <div>
          <dt>{t.amount}</dt>
          <dd class="amount">{money(receipt.billsAmount, locale)}</dd>
        </div>
        <div>
          <dt>{t.fee}</dt>
          <dd class="amount">{money(receipt.fee, locale)}</dd>
        </div>
        <div>
          <dt>{t.total}</dt>
          <dd class="amount total">{money(receipt.charged, locale)}</dd>
        </div>
        {receipt.cardLast4 ? (
          <div>
            <dt>{t.card}</dt>
            <dd dir="ltr">
              {receipt.cardBrand ?? ''} •••• {receipt.cardLast4}
            </dd>
          </div>
        ) : null}
      </dl>
      <h2>{t.billsPaid}</h2>
      <table class="receipt-lines">
        <thead>
          <tr>
            <th scope="col">{t.bill}</th>
            <th scope="col">{t.period}</th>
            <th scope="col">{t.amount}</th>
            <th scope="col">{t.fee}</th>
          </tr>
        </thead>
        <tbody>
          {receipt.lines.map((l) => (
            <tr key={l.billId}>
              <td>{l.description ?? l.externalId}</td>
              <td>{l.period ?? ''}</td>
              <td class="amount">{money(l.amount, locale)}</td>
              <td class="amount">{money(l.fee, locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        {t.verifyAt}{' '}
        <a href={verifyUrl} dir="ltr">
          {verifyUrl}
        </a>
      </p>
      <p>{t.pdf}:</p>
      <ul class="pdf-links">
        {(['ar', 'fr', 'en'] as const).map((l) => (
          <li key={l}>
            <a
              href={`/receipts/${receipt.number}/pdf?lang=${l}`}
              lang={l}
              hreflang={l}
              download={`${receipt.number}-${l}.pdf`}
            >
              PDF · {LANGUAGE_NAMES[l]}
            </a>
          </li>
        ))}
      </ul>
    </Page>
  );
}

export function NotGenuinePage({ locale, path, number }: { locale: Locale; path: string; number: string }) {
  const t = billMessages(locale);
  return (
    <Page locale={locale} title={t.notGenuineTitle} path={path}>
      <h1>{t.notGenuineTitle}</h1>
      <div class="decline" role="alert">
        <p>{fill(t.notGenuine, { number })}</p>
      </div>
      <VerifyForm locale={locale} />
    </Page>
  );
}

export function VerifyForm({ locale }: { locale: Locale }) {
  const t = billMessages(locale);
  return (
    <form method="get" action="/receipts" class="verify-form">
      <input type="hidden" name="lang" value={locale} />
      <h2>{t.verifyTitle}</h2>
      <div class="field">
        <label for="number">{t.verifyLabel}</label>
        <input
          id="number"
          name="number"
          dir="ltr"
          maxlength={40}
          required
          placeholder="R-XXXX-XXXX-XXXX-XXXXXX"
        />
      </div>
      <button type="submit" class="button">
        {t.verify}
      </button>
    </form>
  );
}

export function VerifyPage({ locale, path }: { locale: Locale; path: string }) {
  const t = billMessages(locale);
  return (
    <Page locale={locale} title={t.verifyTitle} path={path}>
      <VerifyForm locale={locale} />
    </Page>
  );
}

export function NotCompletedPage({
  locale,
  path,
  backUrl,
}: {
  locale: Locale;
  path: string;
  backUrl: string;
}) {
  const t = billMessages(locale);
  return (
    <Page locale={locale} title={t.notCompletedTitle} path={path}>
      <h1>{t.notCompletedTitle}</h1>
      <p>{t.notCompleted}</p>
      <p>
        <a href={backUrl}>{t.backToBills}</a>
      </p>
    </Page>
  );
}

export function BillerNotFoundPage({ locale, path }: { locale: Locale; path: string }) {
  const t = billMessages(locale);
  return (
    <Page locale={locale} title={t.notFound} path={path}>
      <h1>{t.notFound}</h1>
      <p>
        <a href={`/bills?lang=${locale}`}>{t.changeBiller}</a>
      </p>
    </Page>
  );
}
