/**
 * A shop the authority suspended, with a customer's request about their data still waiting: so that
 * after `npm start` the data protection officer (dpo@dgssi.example) finds a merchant whose console is
 * closed, and a request to answer in its place. Made through the services, as the API and the
 * reviewer's console would.
 */
import { Problem } from '../core/problem.js';
import type { Platform } from '../platform.js';
import { demoCard } from './demo-payments.js';

export const demoSuspendedShop = {
  name: 'Tanger Électroménager',
  customerEmail: 'karim.tazi@example.ma',
  reason: 'Card testing reported by two banks',
};

export async function seedDemoSuspendedShop(platform: Platform): Promise<string[]> {
  const { merchants, payments, privacy, auth, onboarding } = platform.services;
  const shop = await merchants.createMerchant({
    name: demoSuspendedShop.name,
    sector: 'retail',
    country: 'MA',
    currency: 'MAD',
    website: 'https://tanger-electromenager.example.ma',
    feeBps: 200,
    feeFixed: 0n,
  });
  const { secret } = await merchants.createApiKey(shop.id, true, { label: 'demo' });
  const caller = (await merchants.authenticate(secret))!;
  await platform.store.transaction(async (trx) => {
    const created = await payments.create(
      caller,
      {
        amount: 349_900n,
        currency: 'MAD',
        description: 'Réfrigérateur combiné',
        orderReference: 'TE-2201',
        customerEmail: demoSuspendedShop.customerEmail,
        captureMethod: 'automatic',
      },
      trx,
    );
    if (created instanceof Problem) throw created;
    const paid = await payments.confirm(caller, created.id, { card: demoCard('4111111111111111') }, trx);
    if (paid instanceof Problem) throw paid;
  });
  const filed = await privacy.fileRequest(
    caller,
    { kind: 'access', email: demoSuspendedShop.customerEmail, channel: 'online' },
    { actor: { type: 'system', id: 'demo' } },
  );
  if (filed instanceof Problem) throw filed;
  const reviewer = await auth.findUserByEmail('reviewer@dgssi.example');
  if (!reviewer) throw new Error('seed the demo accounts before the suspended shop');
  const suspended = await onboarding.suspend(
    shop.id,
    { id: reviewer.id, organisationId: reviewer.organisationId, senior: false },
    demoSuspendedShop.reason,
  );
  if (suspended instanceof Problem) throw suspended;
  return [
    `  Suspended shop: ${shop.name} (console closed); the officer answers its customer's request in its place (dpo@dgssi.example → Privacy requests by merchant)`,
  ];
}
