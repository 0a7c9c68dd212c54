/** ISO 8583 field 39 response codes that Tijara's issuers and switch answer with. */
export const responseCodes = {
  '00': {
    meaning: 'approved',
    en: 'Approved.',
    fr: 'Paiement accepté.',
    ar: 'تمت الموافقة على الدفع.',
  },
  // Visa's soft decline for strong customer authentication: authenticate the cardholder, then try again.
  '1A': {
    meaning: 'authentication_required',
    en: 'Your bank asks you to confirm this payment (3-D Secure).',
    fr: 'Votre banque vous demande de confirmer ce paiement (3-D Secure).',
    ar: 'يطلب منك البنك تأكيد هذا الأداء (3-D Secure).',
  },
  '05': {
    meaning: 'do_not_honor',
    en: 'Your bank declined the payment. Contact your bank or use another card.',
    fr: 'Votre banque a refusé le paiement. Contactez-la ou utilisez une autre carte.',
    ar: 'رفض البنك عملية الدفع. اتصل بالبنك أو استعمل بطاقة أخرى.',
  },
  '14': {
    meaning: 'invalid_card_number',
    en: 'This card number is not recognised. Check it and try again.',
    fr: "Ce numéro de carte n'est pas reconnu. Vérifiez-le et réessayez.",
    ar: 'رقم البطاقة غير معروف. تحقق منه وأعد المحاولة.',
  },
  '51': {
    meaning: 'insufficient_funds',
    en: 'Insufficient funds on this card.',
    fr: 'Provision insuffisante sur cette carte.',
    ar: 'الرصيد غير كافٍ في هذه البطاقة.',
  },
  '54': {
    meaning: 'expired_card',
    en: 'This card has expired, or the expiry date is wrong.',
    fr: "Cette carte est expirée, ou la date d'expiration est erronée.",
    ar: 'انتهت صلاحية هذه البطاقة أو تاريخ الانتهاء غير صحيح.',
  },
  '57': {
    meaning: 'transaction_not_permitted',
    en: 'This card is not enabled for international online payments. Ask your bank to enable it.',
    fr: "Cette carte n'est pas autorisée pour les paiements en ligne internationaux. Demandez l'activation à votre banque.",
    ar: 'هذه البطاقة غير مفعلة للأداء الدولي عبر الإنترنت. اطلب تفعيلها من البنك.',
  },
  '61': {
    meaning: 'exceeds_limit',
    en: 'This payment exceeds the card limit or the yearly allowance for international payments.',
    fr: 'Ce paiement dépasse le plafond de la carte ou la dotation annuelle pour les paiements internationaux.',
    ar: 'يتجاوز هذا الأداء سقف البطاقة أو المخصص السنوي للأداءات الدولية.',
  },
  '62': {
    meaning: 'restricted_card',
    en: 'This card is blocked. Contact your bank.',
    fr: 'Cette carte est bloquée. Contactez votre banque.',
    ar: 'هذه البطاقة موقوفة. اتصل بالبنك.',
  },
  '91': {
    meaning: 'issuer_unavailable',
    en: 'Your bank is not answering. Try again in a few minutes.',
    fr: 'Votre banque ne répond pas. Réessayez dans quelques minutes.',
    ar: 'البنك لا يجيب. أعد المحاولة بعد دقائق.',
  },
  '96': {
    meaning: 'system_malfunction',
    en: 'A technical problem stopped the payment. Try again later.',
    fr: 'Un incident technique a empêché le paiement. Réessayez plus tard.',
    ar: 'حال عطل تقني دون إتمام الأداء. أعد المحاولة لاحقاً.',
  },
} as const;

export type ResponseCode = keyof typeof responseCodes;
export type Locale = 'ar' | 'fr' | 'en';

export function declineMessage(code: ResponseCode, locale: Locale = 'en'): string {
  return responseCodes[code][locale];
}
