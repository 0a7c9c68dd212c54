import { defineMessages } from '../web/i18n.js';
import type { GateProblemCode } from './gate.js';

/** Why a payment form was refused, for the cardholder's page and for the shop's developer. */
export const gateProblemText = defineMessages<GateProblemCode>({
  fr: {
    missing: 'champ obligatoire absent',
    repeated: 'champ envoyé plusieurs fois',
    unknown_store: 'aucun magasin Tijara ne porte ce clientid',
    store_unavailable: "ce magasin ne peut pas encaisser pour l'instant",
    invalid_oid: "l'identifiant de commande doit faire de 1 à 64 caractères",
    duplicate_oid: 'cet identifiant de commande a déjà servi pour ce magasin',
    invalid_amount: 'montant décimal supérieur à zéro attendu, par exemple 123.45',
    unsupported_currency: 'seule la devise 504 (dirham marocain) est acceptée',
    invalid_url: 'adresse absolue http(s) attendue',
    insecure_url: 'un magasin en production doit utiliser https',
    invalid_tran_type: 'PreAuth ou Auth attendu',
    invalid_store_type: '3D_PAY_HOSTING attendu',
    invalid_lang: 'fr, ar ou en attendu',
    invalid_hash_algorithm: 'ver3 attendu',
    bad_hash: 'la signature HASH ne correspond pas (vérifiez la clé du magasin et les champs signés)',
    payment_refused: "le paiement n'a pas pu être créé pour ce commerçant",
  },
  ar: {
    missing: 'حقل إلزامي غير موجود',
    repeated: 'تم إرسال الحقل أكثر من مرة',
    unknown_store: 'لا يوجد متجر في تيجارة بهذا المعرف clientid',
    store_unavailable: 'لا يمكن لهذا المتجر قبول الأداءات حالياً',
    invalid_oid: 'يجب أن يتكون رقم الطلب من 1 إلى 64 حرفاً',
    duplicate_oid: 'سبق استعمال رقم الطلب هذا في هذا المتجر',
    invalid_amount: 'يجب أن يكون المبلغ عدداً عشرياً أكبر من صفر، مثل 123.45',
    unsupported_currency: 'العملة المقبولة الوحيدة هي 504 (الدرهم المغربي)',
    invalid_url: 'يجب أن يكون عنواناً كاملاً يبدأ بـ http أو https',
    insecure_url: 'يجب أن يستعمل المتجر في وضع الإنتاج https',
    invalid_tran_type: 'القيمة المنتظرة PreAuth أو Auth',
    invalid_store_type: 'القيمة المنتظرة 3D_PAY_HOSTING',
    invalid_lang: 'القيمة المنتظرة fr أو ar أو en',
    invalid_hash_algorithm: 'القيمة المنتظرة ver3',
    bad_hash: 'توقيع HASH غير مطابق (تحقق من مفتاح المتجر والحقول الموقعة)',
    payment_refused: 'تعذر إنشاء الأداء لهذا التاجر',
  },
  en: {
    missing: 'required field missing',
    repeated: 'field sent more than once',
    unknown_store: 'no Tijara store has this clientid',
    store_unavailable: 'this store cannot take payments at the moment',
    invalid_oid: 'the order id must be 1 to 64 characters',
    duplicate_oid: 'this order id was already used for this store',
    invalid_amount: 'a decimal amount above zero is expected, like 123.45',
    unsupported_currency: 'only currency 504 (Moroccan dirham) is accepted',
    invalid_url: 'an absolute http(s) address is expected',
    insecure_url: 'a live store must use https',
    invalid_tran_type: 'PreAuth or Auth is expected',
    invalid_store_type: '3D_PAY_HOSTING is expected',
    invalid_lang: 'fr, ar or en is expected',
    invalid_hash_algorithm: 'ver3 is expected',
    bad_hash: 'the HASH does not match (check the store key and the fields signed)',
    payment_refused: 'the payment could not be created for this merchant',
  },
});

type PageKey =
  | 'gatewayTitle'
  | 'gatewayBody'
  | 'refusedTitle'
  | 'refusedIntro'
  | 'backToShop'
  | 'returnTitle'
  | 'returnApproved'
  | 'returnDeclined'
  | 'continue'
  | 'notFinishedTitle'
  | 'notFinishedBody'
  | 'resumePayment'
  | 'notFoundTitle'
  | 'notFoundBody'
  | 'paymentCanceled';

export const pageText = defineMessages<PageKey>({
  fr: {
    gatewayTitle: 'Passerelle de paiement compatible CMI',
    gatewayBody:
      'Les sites marchands envoient ici leur formulaire de paiement (POST). Pour payer, commencez sur le site du marchand.',
    refusedTitle: 'Demande de paiement refusée',
    refusedIntro:
      'Le site marchand a envoyé une demande de paiement que Tijara ne peut pas accepter. Rien n’a été débité.',
    backToShop: 'Retour à la boutique',
    returnTitle: 'Retour à la boutique',
    returnApproved: 'Paiement accepté. Vous allez être renvoyé vers la boutique.',
    returnDeclined: 'Le paiement n’a pas abouti. Vous allez être renvoyé vers la boutique.',
    continue: 'Continuer',
    notFinishedTitle: 'Paiement non terminé',
    notFinishedBody: 'Ce paiement n’est pas encore terminé.',
    resumePayment: 'Reprendre le paiement',
    notFoundTitle: 'Commande introuvable',
    notFoundBody: 'Aucune commande ne correspond à cette adresse.',
    paymentCanceled: 'Paiement annulé.',
  },
  ar: {
    gatewayTitle: 'بوابة أداء متوافقة مع CMI',
    gatewayBody: 'ترسل المواقع التجارية هنا استمارة الأداء (POST). للأداء، ابدأ من موقع التاجر.',
    refusedTitle: 'تم رفض طلب الأداء',
    refusedIntro: 'أرسل الموقع التجاري طلب أداء لا يمكن لتيجارة قبوله. لم يتم اقتطاع أي مبلغ.',
    backToShop: 'العودة إلى المتجر',
    returnTitle: 'العودة إلى المتجر',
    returnApproved: 'تم قبول الأداء. سيتم توجيهك إلى المتجر.',
    returnDeclined: 'لم يتم الأداء. سيتم توجيهك إلى المتجر.',
    continue: 'متابعة',
    notFinishedTitle: 'الأداء غير مكتمل',
    notFinishedBody: 'لم يكتمل هذا الأداء بعد.',
    resumePayment: 'استئناف الأداء',
    notFoundTitle: 'الطلب غير موجود',
    notFoundBody: 'لا يوجد طلب يطابق هذا العنوان.',
    paymentCanceled: 'تم إلغاء الأداء.',
  },
  en: {
    gatewayTitle: 'CMI-compatible payment gateway',
    gatewayBody: 'Shops post their payment form to this address. To pay, start from the shop’s own site.',
    refusedTitle: 'Payment request refused',
    refusedIntro: 'The shop sent a payment request Tijara cannot accept. Nothing was charged.',
    backToShop: 'Back to the shop',
    returnTitle: 'Back to the shop',
    returnApproved: 'Payment accepted. You are being sent back to the shop.',
    returnDeclined: 'The payment did not go through. You are being sent back to the shop.',
    continue: 'Continue',
    notFinishedTitle: 'Payment not finished',
    notFinishedBody: 'This payment is not finished yet.',
    resumePayment: 'Resume the payment',
    notFoundTitle: 'Order not found',
    notFoundBody: 'No order matches this address.',
    paymentCanceled: 'Payment canceled.',
  },
});
