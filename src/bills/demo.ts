import type { MerchantService } from '../merchants/service.js';
import type { SharedDb } from '../store/store.js';
import type { ReferenceField } from './model.js';
import type { BillInput, BillService, NewBiller } from './service.js';

/** Fictional billers for `npm start`: a water and electricity distributor, a telecom operator, the Treasury. */
export const demoBillers: (NewBiller & { id: string; testKey: string; bills: BillInput[] })[] = [
  {
    id: 'blr_bouregreg',
    testKey: 'sk_test_BouregregDemo00000000000000000001',
    category: 'water_electricity',
    name: {
      fr: "Régie de l'Eau et de l'Électricité de Bouregreg",
      ar: 'وكالة توزيع الماء والكهرباء لأبي رقراق',
      en: 'Bouregreg Water and Electricity Board',
    },
    referenceFields: [contract()],
    fee: { fixed: 250n, bps: 0, payer: 'consumer' },
    maxBillsPerPayment: 6,
    website: 'https://bouregreg-eau.example.ma',
    bills: [
      waterBill('F-2026-09-0123456789', '0123456789', 'Septembre 2026', '2026-10-15', 31_240n, 1_562n),
      waterBill('F-2026-10-0123456789', '0123456789', 'Octobre 2026', '2026-11-15', 28_975n),
      waterBill('F-2026-11-0123456789', '0123456789', 'Novembre 2026', '2026-12-15', 30_110n),
      waterBill('F-2026-10-0987654321', '0987654321', 'Octobre 2026', '2026-11-15', 45_000n),
    ],
  },
  {
    id: 'blr_amwaj',
    testKey: 'sk_test_AmwajTelecomDemo000000000000000002',
    category: 'telecom',
    name: { fr: 'Amwaj Télécom', ar: 'أمواج للاتصالات', en: 'Amwaj Telecom' },
    referenceFields: [
      {
        name: 'phone',
        pattern: '^0[5-7][0-9]{8}$',
        label: { ar: 'رقم الهاتف', fr: 'Numéro de téléphone', en: 'Phone number' },
      },
    ],
    fee: { fixed: 0n, bps: 50, payer: 'biller' },
    partialPayment: true,
    maxBillsPerPayment: 3,
    website: 'https://amwaj-telecom.example.ma',
    bills: [
      phoneBill('AMW-2026-10-0661234567', '0661234567', 'Octobre 2026', '2026-11-05', 19_900n),
      phoneBill('AMW-2026-11-0661234567', '0661234567', 'Novembre 2026', '2026-12-05', 24_950n),
    ],
  },
  {
    id: 'blr_tresorerie',
    testKey: 'sk_test_TresorerieDemo000000000000000000003',
    category: 'treasury',
    name: { fr: 'Trésorerie Générale', ar: 'الخزينة العامة', en: 'General Treasury' },
    referenceFields: [
      {
        name: 'notice',
        pattern: '^[0-9]{12}$',
        label: { ar: 'رقم الإشعار الضريبي', fr: "Numéro de l'avis d'imposition", en: 'Tax notice number' },
      },
      { name: 'year', pattern: '^20[0-9]{2}$', label: { ar: 'السنة', fr: 'Année', en: 'Year' } },
    ],
    fee: { fixed: 300n, bps: 0, payer: 'biller' },
    maxBillsPerPayment: 5,
    bills: [
      taxNotice('TH-2026-202600001234', '202600001234', '2026', "Taxe d'habitation 2026", 123_450n, 0n),
      taxNotice(
        'TSC-2026-202600001234',
        '202600001234',
        '2026',
        'Taxe de services communaux 2026',
        45_600n,
        0n,
      ),
      taxNotice('TH-2025-202500005678', '202500005678', '2025', "Taxe d'habitation 2025", 98_000n, 9_800n),
    ],
  },
];

function contract(): ReferenceField {
  return {
    name: 'contract',
    pattern: '^[0-9]{10}$',
    label: { ar: 'رقم العقد', fr: 'Numéro de contrat', en: 'Contract number' },
  };
}

function waterBill(
  id: string,
  contract: string,
  period: string,
  due: string,
  amount: bigint,
  lateFee = 0n,
): BillInput {
  return {
    externalId: id,
    reference: { contract },
    amount,
    lateFee,
    period,
    dueDate: due,
    description: `Eau et électricité ${period.toLowerCase()}`,
  };
}

function phoneBill(id: string, phone: string, period: string, due: string, amount: bigint): BillInput {
  return {
    externalId: id,
    reference: { phone },
    amount,
    period,
    dueDate: due,
    description: `Forfait mobile ${period.toLowerCase()}`,
  };
}

function taxNotice(
  id: string,
  notice: string,
  year: string,
  description: string,
  amount: bigint,
  lateFee: bigint,
): BillInput {
  return {
    externalId: id,
    reference: { notice, year },
    amount,
    lateFee,
    period: year,
    dueDate: `${year}-12-31`,
    description,
  };
}

/** Creates the demo billers, their test keys and bills, in the caller's transaction; a second run changes nothing. */
export async function seedDemoBills(
  deps: { bills: BillService; merchants: MerchantService },
  db: SharedDb,
): Promise<void> {
  for (const demo of demoBillers) {
    const { testKey, bills: demoBills, ...input } = demo;
    const biller = (await deps.bills.getBiller(demo.id, db)) ?? (await deps.bills.createBiller(input, db));
    if ((await deps.merchants.listApiKeys(biller.merchantId, db)).length === 0)
      await deps.merchants.createApiKey(biller.merchantId, false, { label: 'demo', secret: testKey }, db);
    await deps.bills.loadBills(biller, demoBills, 'all', db);
  }
}

/** Lines for the start banner: where to pay, and references to try. */
export function describeDemoBills(baseUrl = ''): string[] {
  return [
    `Bills and taxes: ${baseUrl}/bills (receipts are checked at ${baseUrl}/receipts)`,
    ...demoBillers.map((b) => {
      const references = [
        ...new Set(
          b.bills.map((bill) =>
            b.referenceFields.map((f) => `${f.name} ${bill.reference[f.name]}`).join(', '),
          ),
        ),
      ];
      return `  ${b.name.fr} (${b.id}, key ${b.testKey}): ${references.join(' | ')}`;
    }),
  ];
}
