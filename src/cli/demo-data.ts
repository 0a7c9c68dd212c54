/** The demo world `npm start` loads: fictional banks, their test cards, merchants and their test keys. */

export const demoBanks = [
  { id: 'bnk_atlas', name: 'Banque Atlas', country: 'MA', bins: [{ prefix: '411111', brand: 'visa' }] },
  {
    id: 'bnk_souss',
    name: 'Crédit du Souss',
    country: 'MA',
    bins: [
      { prefix: '555555', brand: 'mastercard' },
      { prefix: '400556', brand: 'visa' },
    ],
  },
  { id: 'bnk_rif', name: 'Banque du Rif', country: 'MA', bins: [{ prefix: '418888', brand: 'visa' }] },
  // Its host is down: every authorization times out at the switch (91) and is reversed.
  {
    id: 'bnk_tafilalet',
    name: 'Banque du Tafilalet',
    country: 'MA',
    available: false,
    bins: [{ prefix: '430999', brand: 'visa' }],
  },
  { id: 'bnk_loire', name: 'Banque de la Loire', country: 'FR', bins: [{ prefix: '497010', brand: 'visa' }] },
] as const;

export interface DemoCard {
  number: string;
  bankId: string;
  holderName: string;
  expMonth: number;
  expYear: number;
  /** MAD centimes on the cardholder's account. */
  balance: bigint;
  outcome: string;
  status?: 'active' | 'lost' | 'blocked';
  international?: boolean;
  internationalAllowance?: bigint;
  requires3ds?: boolean;
}

export const demoCards: DemoCard[] = [
  {
    number: '4111111111111111',
    bankId: 'bnk_atlas',
    holderName: 'Amina Benali',
    expMonth: 12,
    expYear: 2030,
    balance: 5_000_000n,
    outcome: 'approved (domestic only: 57 at a merchant abroad)',
  },
  {
    number: '5555555555554444',
    bankId: 'bnk_souss',
    holderName: 'Youssef El Idrissi',
    expMonth: 12,
    expYear: 2030,
    balance: 5_000_000n,
    outcome: 'approved (Mastercard)',
  },
  {
    number: '4111110000000054',
    bankId: 'bnk_atlas',
    holderName: 'Karim Tazi',
    expMonth: 12,
    expYear: 2030,
    balance: 5_000n,
    outcome: 'insufficient funds (51): 50 MAD on the account',
  },
  {
    number: '4111110000000120',
    bankId: 'bnk_atlas',
    holderName: 'Salma Ouazzani',
    expMonth: 12,
    expYear: 2024,
    balance: 1_000_000n,
    outcome: 'expired card (54): use 12/2024',
  },
  {
    number: '4111110000000203',
    bankId: 'bnk_atlas',
    holderName: 'Omar Alaoui',
    expMonth: 12,
    expYear: 2030,
    balance: 1_000_000n,
    status: 'lost',
    outcome: 'lost card (62)',
  },
  {
    number: '4005560000000018',
    bankId: 'bnk_souss',
    holderName: 'Nadia Berrada',
    expMonth: 12,
    expYear: 2030,
    balance: 10_000_000n,
    international: true,
    outcome: 'international use granted: 20,000 MAD a year abroad',
  },
  {
    number: '4005560000000026',
    bankId: 'bnk_souss',
    holderName: 'Hicham Fassi',
    expMonth: 12,
    expYear: 2030,
    balance: 10_000_000n,
    international: true,
    internationalAllowance: 100_000n,
    outcome: 'international, allowance of 1,000 MAD: more abroad is 61',
  },
  {
    number: '4188880000000076',
    bankId: 'bnk_rif',
    holderName: 'Leila Chraibi',
    expMonth: 12,
    expYear: 2030,
    balance: 5_000_000n,
    requires3ds: true,
    outcome: '3-D Secure challenge required',
  },
  {
    number: '4309990000000036',
    bankId: 'bnk_tafilalet',
    holderName: 'Rachid Amrani',
    expMonth: 12,
    expYear: 2030,
    balance: 5_000_000n,
    outcome: 'issuer unavailable (91)',
  },
  {
    number: '4970100000000048',
    bankId: 'bnk_loire',
    holderName: 'Claire Martin',
    expMonth: 12,
    expYear: 2030,
    balance: 5_000_000n,
    outcome: 'foreign card (France): approved at Moroccan merchants',
  },
];

export const demoMerchants = [
  {
    name: 'Atlas Voyages',
    sector: 'travel',
    country: 'MA',
    currency: 'MAD' as const,
    website: 'https://atlas-voyages.example.ma',
    feeBps: 150,
    feeFixed: 100n,
    testKey: 'sk_test_AtlasVoyagesDemo0000000000000001',
  },
  {
    name: 'Marrakech Auto Location',
    sector: 'car_rental',
    country: 'MA',
    currency: 'MAD' as const,
    website: 'https://marrakech-auto.example.ma',
    feeBps: 180,
    feeFixed: 0n,
    testKey: 'sk_test_MarrakechAutoDemo00000000000002',
  },
  {
    name: 'Paris Séjours',
    sector: 'travel',
    country: 'FR',
    currency: 'EUR' as const,
    website: 'https://paris-sejours.example.fr',
    feeBps: 250,
    feeFixed: 0n,
    testKey: 'sk_test_ParisSejoursDemo0000000000000003',
  },
];

/** MAD per unit, as the central bank publishes them. */
export const demoRates = [
  { currency: 'EUR', rate: '10.8512' },
  { currency: 'USD', rate: '10.0540' },
];
