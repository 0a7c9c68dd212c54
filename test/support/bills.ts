import assert from 'node:assert/strict';
import type { BillerCategory, FeePayer } from '../../src/bills/model.js';
import type { Platform } from '../../src/platform.js';
import { apiClient, card } from './platform.js';

let billers = 0;

/** A fresh biller (and its merchant's test key) for a test that must not share bills with another. */
export async function newBiller(
  platform: Platform,
  options: {
    fee?: { fixed: bigint; bps: number; payer: FeePayer };
    partialPayment?: boolean;
    maxBillsPerPayment?: number;
    category?: BillerCategory;
    webhookUrl?: string;
    webhookSecret?: string;
  } = {},
) {
  const n = ++billers;
  const biller = await platform.services.bills.createBiller({
    name: { ar: `مفوتر ${n}`, fr: `Facturier ${n}`, en: `Biller ${n}` },
    category: options.category ?? 'water_electricity',
    referenceFields: [
      { name: 'contract', pattern: '^[0-9]{10}$', label: { ar: 'رقم العقد', fr: 'Contrat', en: 'Contract' } },
    ],
    fee: options.fee ?? { fixed: 250n, bps: 0, payer: 'consumer' },
    ...(options.partialPayment ? { partialPayment: true } : {}),
    ...(options.maxBillsPerPayment ? { maxBillsPerPayment: options.maxBillsPerPayment } : {}),
    ...(options.webhookUrl
      ? { webhookUrl: options.webhookUrl, webhookSecret: options.webhookSecret ?? null }
      : {}),
  });
  const { secret } = await platform.services.merchants.createApiKey(biller.merchantId, false);
  return { biller, key: secret, api: apiClient(platform.baseUrl(), secret) };
}

export function bill(
  externalId: string,
  contract: string,
  amount: number,
  extra: Record<string, unknown> = {},
) {
  return { external_id: externalId, reference: { contract }, amount, ...extra };
}

/** The open bills of a reference, through the public lookup. */
export async function lookup(baseUrl: string, billerId: string, query: Record<string, string>) {
  const response = await apiClient(baseUrl).get<{ data: { id: string; amount_due: number; fee: number }[] }>(
    `/v1/billers/${billerId}/bills?${new URLSearchParams(query)}`,
  );
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.data;
}

/** Ticks bills on /bills/{id} and posts the form, as a browser without JavaScript does; returns the Location. */
export async function postPayForm(baseUrl: string, billerId: string, form: [string, string][]) {
  const response = await fetch(`${baseUrl}/bills/${billerId}/pay?lang=en`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
    redirect: 'manual',
  });
  return { status: response.status, location: response.headers.get('location'), text: await response.text() };
}

/** Starts the card payment of these bills and returns its id. */
export async function startBillPayment(
  baseUrl: string,
  billerId: string,
  reference: Record<string, string>,
  billIds: string[],
) {
  const answer = await postPayForm(baseUrl, billerId, [
    ...Object.entries(reference),
    ...billIds.map((id) => ['bill', id] as [string, string]),
  ]);
  assert.equal(answer.status, 303, answer.text);
  const id = /\/pay\/(pay_[0-9a-z]{26})/.exec(answer.location ?? '')?.[1];
  assert.ok(id, `no payment in ${answer.location}`);
  return id;
}

export async function confirmWithCard(
  baseUrl: string,
  key: string,
  paymentId: string,
  number = '4111111111111111',
) {
  return apiClient(baseUrl, key).post<{ status: string; code?: string }>(
    `/v1/payments/${paymentId}/confirm`,
    {
      card: card(number),
    },
  );
}

/** The cardholder balance of a demo card (MAD centimes), from the built-in issuer. */
export async function cardBalance(platform: Platform, bankId: string, last4: string): Promise<bigint> {
  const [found] = await platform.services.issuer.findCards(bankId, { last4 });
  assert.ok(found, `no card ending ${last4} at ${bankId}`);
  return (await platform.services.issuer.accountBalance(found.accountId)) ?? 0n;
}
