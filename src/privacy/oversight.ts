import { consoleClosed } from '../merchants/model.js';
import type { MerchantService } from '../merchants/service.js';
import type { NamedFigures } from './model.js';
import type { PrivacyService } from './service.js';

/**
 * Each merchant's live requests by counts and dates (PrivacyService.figures), with its name and whether
 * its console is closed, in which case the authority's data protection officer answers in its place.
 */
export async function figuresByMerchant(
  privacy: Pick<PrivacyService, 'figures'>,
  merchants: Pick<MerchantService, 'getMerchant'>,
): Promise<NamedFigures[]> {
  return Promise.all(
    (await privacy.figures()).map(async (figures) => {
      const merchant = await merchants.getMerchant(figures.merchantId);
      return { ...figures, name: merchant?.name, closed: consoleClosed(merchant?.status) };
    }),
  );
}
