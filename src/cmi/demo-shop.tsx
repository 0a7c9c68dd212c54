import { randomBytes } from 'node:crypto';
import { Type } from 'typebox';
import { currencies, parseDecimalAmount } from '../core/money.js';
import type { App } from '../http/server.js';
import type { MerchantService } from '../merchants/service.js';
import { defineMessages, formatMoney, type Locale, pickLocale } from '../web/i18n.js';
import { Page, sendPage } from '../web/render.js';
import { fieldOf, gateLocale, readForm } from './gate.js';
import { cmiHash, verifyCmiHash } from './hash.js';
import { type CmiFields, DEMO_STORE } from './model.js';
import type { CmiService } from './service.js';

/**
 * A Moroccan shop as a CMI plugin would run it, served by Tijara itself for demos and tests: it is
 * configured with the demo store's clientid and store key, exactly as a real shop is, and talks to the
 * gateway only through the CMI form post, the callback and the browser's return.
 */

const text = defineMessages({
  fr: {
    title: 'Boutique de démonstration',
    intro: 'Une boutique fictive qui encaisse par le formulaire CMI, pour le compte de',
    flightName: 'Vol Casablanca → Marrakech',
    flightDetail: 'Aller simple en classe économique. Débité à la commande (Auth).',
    carName: 'Location de voiture à Marrakech, 3 jours',
    carDetail: 'Montant réservé, débité quand la boutique confirme (PreAuth).',
    pay: 'Payer',
    testCard: 'Carte de test : 4111 1111 1111 1111, expiration 12/2030, CVC 123.',
    noStoreTitle: 'Boutique de démonstration non configurée',
    noStore:
      'Aucun magasin CMI ne porte le clientid 600000001. Chargez les données de démonstration (tijara seed).',
    accepted: 'Paiement accepté',
    declined: 'Paiement refusé',
    unconfirmed: 'Paiement non confirmé',
    order: 'Commande',
    code: 'Code réponse',
    message: 'Message',
    hash: 'Signature HASH vérifiée',
    yes: 'oui',
    no: 'non',
    back: 'Retour à la boutique',
  },
  ar: {
    title: 'متجر تجريبي',
    intro: 'متجر وهمي يتلقى الأداء عبر استمارة CMI، لحساب',
    flightName: 'رحلة جوية من الدار البيضاء إلى مراكش',
    flightDetail: 'ذهاب فقط بالدرجة الاقتصادية. يُقتطع المبلغ عند الطلب (Auth).',
    carName: 'كراء سيارة في مراكش لمدة 3 أيام',
    carDetail: 'يُحجز المبلغ ثم يُقتطع عندما يؤكد المتجر (PreAuth).',
    pay: 'ادفع',
    testCard: 'بطاقة تجريبية: 4111 1111 1111 1111، تاريخ الانتهاء 12/2030، الرمز 123.',
    noStoreTitle: 'المتجر التجريبي غير مهيأ',
    noStore: 'لا يوجد متجر CMI بالمعرف 600000001. حمّل البيانات التجريبية (tijara seed).',
    accepted: 'تم قبول الأداء',
    declined: 'تم رفض الأداء',
    unconfirmed: 'لم يتم تأكيد الأداء',
    order: 'الطلب',
    code: 'رمز الرد',
    message: 'الرسالة',
    hash: 'تم التحقق من توقيع HASH',
    yes: 'نعم',
    no: 'لا',
    back: 'العودة إلى المتجر',
  },
  en: {
    title: 'Demo shop',
    intro: 'A make-believe shop that takes payments through the CMI form post, on behalf of',
    flightName: 'Flight Casablanca → Marrakech',
    flightDetail: 'One way, economy class. Charged when ordered (Auth).',
    carName: 'Car rental in Marrakech, 3 days',
    carDetail: 'The amount is held, then charged when the shop confirms (PreAuth).',
    pay: 'Pay',
    testCard: 'Test card: 4111 1111 1111 1111, expiry 12/2030, CVC 123.',
    noStoreTitle: 'Demo shop not set up',
    noStore: 'No CMI store has clientid 600000001. Load the demo data (tijara seed).',
    accepted: 'Payment accepted',
    declined: 'Payment declined',
    unconfirmed: 'Payment not confirmed',
    order: 'Order',
    code: 'Response code',
    message: 'Message',
    hash: 'HASH verified',
    yes: 'yes',
    no: 'no',
    back: 'Back to the shop',
  },
});

const PRODUCTS = [
  { id: 'flight', amount: '1250.00', tranType: 'Auth' },
  { id: 'car', amount: '1800.00', tranType: 'PreAuth' },
] as const;

type Product = (typeof PRODUCTS)[number];

/** What the shop keeps of each callback, for GET /demo/shop/callbacks. */
export interface ReceivedCallback {
  receivedAt: string;
  oid: string | undefined;
  procReturnCode: string | undefined;
  hashValid: boolean;
  answer: string;
  fields: CmiFields;
}

const KEPT_CALLBACKS = 50;

/** The signed form a CMI plugin puts in its checkout page, for one product. */
function paymentForm(product: Product, locale: Locale, baseUrl: string): CmiFields {
  const shop = `${baseUrl}/demo/shop`;
  const fields: CmiFields = {
    clientid: DEMO_STORE.clientId,
    oid: `DEMO-${Date.now().toString(36).toUpperCase()}-${randomBytes(3).toString('hex').toUpperCase()}`,
    amount: product.amount,
    currency: currencies.MAD.numeric,
    TranType: product.tranType,
    okUrl: `${shop}/ok`,
    failUrl: `${shop}/fail`,
    callbackUrl: `${shop}/callback`,
    shopurl: `${shop}?lang=${locale}`,
    lang: locale,
    rnd: randomBytes(12).toString('hex'),
    storetype: '3D_PAY_HOSTING',
    hashAlgorithm: 'ver3',
    encoding: 'UTF-8',
    email: 'amina@example.ma',
    BillToName: 'Amina El Idrissi',
    description: text(locale)[`${product.id}Name` as const],
  };
  return { ...fields, HASH: cmiHash(fields, DEMO_STORE.storeKey) };
}

function ShopPage(props: { locale: Locale; merchantName: string; baseUrl: string }) {
  const { locale, merchantName, baseUrl } = props;
  const t = text(locale);
  return (
    <Page locale={locale} title={t.title} path="/demo/shop">
      <h1>{t.title}</h1>
      <p>
        {t.intro} <strong>{merchantName}</strong>.
      </p>
      {PRODUCTS.map((product) => {
        const price = formatMoney(parseDecimalAmount(product.amount, currencies.MAD)!, 'MAD', locale);
        return (
          <section key={product.id} class="summary">
            <h2>{t[`${product.id}Name` as const]}</h2>
            <p>{t[`${product.id}Detail` as const]}</p>
            <form method="post" action="/fim/est3Dgate">
              {Object.entries(paymentForm(product, locale, baseUrl)).map(([name, value]) => (
                <input type="hidden" name={name} value={value} key={name} />
              ))}
              <button type="submit">
                {t.pay} {price}
              </button>
            </form>
          </section>
        );
      })}
      <p class="note">{t.testCard}</p>
    </Page>
  );
}

function NoStorePage({ locale }: { locale: Locale }) {
  const t = text(locale);
  return (
    <Page locale={locale} title={t.noStoreTitle} path="/demo/shop">
      <h1>{t.noStoreTitle}</h1>
      <p>{t.noStore}</p>
    </Page>
  );
}

/** Where the browser lands with the signed answer: a shop trusts it only if the HASH verifies. */
function ResultPage(props: {
  locale: Locale;
  landing: 'ok' | 'fail';
  fields: CmiFields;
  hashValid: boolean;
}) {
  const { locale, landing, fields, hashValid } = props;
  const t = text(locale);
  const code = fieldOf(fields, 'ProcReturnCode');
  const accepted = landing === 'ok' && hashValid && code === '00';
  const title = accepted ? t.accepted : landing === 'fail' ? t.declined : t.unconfirmed;
  const errMsg = fieldOf(fields, 'ErrMsg');
  return (
    <Page locale={locale} title={title} path="/demo/shop">
      <h1 class={accepted ? 'ok' : undefined}>{title}</h1>
      <dl class="summary">
        <div>
          <dt>{t.order}</dt>
          <dd dir="ltr">{fieldOf(fields, 'ReturnOid') ?? fieldOf(fields, 'oid')}</dd>
        </div>
        <div>
          <dt>{t.code}</dt>
          <dd dir="ltr">{code}</dd>
        </div>
        {errMsg && (
          <div>
            <dt>{t.message}</dt>
            <dd>{errMsg}</dd>
          </div>
        )}
        <div>
          <dt>{t.hash}</dt>
          <dd>{hashValid ? t.yes : t.no}</dd>
        </div>
      </dl>
      <p>
        <a href={`/demo/shop?lang=${locale}`}>{t.back}</a>
      </p>
    </Page>
  );
}

/** The shop's answer to a callback, as CMI's sample plugin gives it. */
function callbackAnswer(fields: CmiFields, hashValid: boolean): string {
  if (!hashValid) return 'FAILURE';
  const heldApproval =
    fieldOf(fields, 'ProcReturnCode') === '00' && fieldOf(fields, 'TranType')?.toLowerCase() === 'preauth';
  return heldApproval ? 'ACTION=POSTAUTH' : 'APPROVED';
}

const LangQuery = Type.Object({ lang: Type.Optional(Type.String()) });

export function demoShopRoutes(deps: { cmi: CmiService; merchants: MerchantService; baseUrl: () => string }) {
  const received: ReceivedCallback[] = [];

  async function demoMerchantName(): Promise<string | undefined> {
    const store = await deps.cmi.getStoreByClientId(DEMO_STORE.clientId);
    return store && (await deps.merchants.getMerchant(store.merchantId))?.name;
  }

  return async (app: App) => {
    app.get('/demo/shop', { schema: { hide: true, querystring: LangQuery } }, async (request, reply) => {
      const locale = pickLocale(request.query.lang, request.headers['accept-language']);
      const merchantName = await demoMerchantName();
      if (!merchantName) return sendPage(reply, <NoStorePage locale={locale} />, { status: 404 });
      return sendPage(
        reply,
        <ShopPage locale={locale} merchantName={merchantName} baseUrl={deps.baseUrl()} />,
      );
    });

    for (const landing of ['ok', 'fail'] as const) {
      app.post(`/demo/shop/${landing}`, { schema: { hide: true } }, async (request, reply) => {
        const { fields } = readForm(request.body);
        const hashValid = verifyCmiHash(fields, DEMO_STORE.storeKey);
        return sendPage(
          reply,
          <ResultPage locale={gateLocale(fields)} landing={landing} fields={fields} hashValid={hashValid} />,
        );
      });
    }

    app.post('/demo/shop/callback', { schema: { hide: true } }, async (request, reply) => {
      const { fields } = readForm(request.body);
      const hashValid = verifyCmiHash(fields, DEMO_STORE.storeKey);
      const answer = callbackAnswer(fields, hashValid);
      received.push({
        receivedAt: new Date().toISOString(),
        oid: fieldOf(fields, 'oid'),
        procReturnCode: fieldOf(fields, 'ProcReturnCode'),
        hashValid,
        answer,
        fields,
      });
      received.splice(0, Math.max(0, received.length - KEPT_CALLBACKS));
      return reply.type('text/plain; charset=utf-8').send(answer);
    });

    app.get('/demo/shop/callbacks', { schema: { hide: true } }, async (_request, reply) =>
      reply.header('cache-control', 'no-store').send(received),
    );
  };
}
