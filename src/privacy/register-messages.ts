import { defineMessages } from '../web/i18n.js';

/**
 * The register of processing as people read it (the public page /privacy and GET /v1/privacy/register):
 * for each processing of register.ts, whose data it is, what, why, who receives it; then the words for
 * bases, retentions and protections.
 */
export const registerMessages = defineMessages({
  en: {
    requestLink: 'Send a request to a shop online',
    requestTitle: 'A request about your data',
    requestIntro:
      'Send the shop you paid a request about the data it holds on you through Tijara. The shop must answer within {days} days; first, Tijara mails a link to the address you give, to be sure the request is yours.',
    shop: 'Shop',
    chooseShop: 'Choose the shop',
    askWhat: 'What you ask',
    ask_access: 'To see my data and who read it',
    ask_rectification: 'To correct my e-mail address',
    ask_objection: 'To have my e-mail address and my details erased',
    yourEmail: 'The e-mail address you gave when paying',
    correctedEmail: 'The right address (for a correction)',
    note: 'Anything the shop should know (optional)',
    send: 'Send the request',
    sentTitle: 'Your request is sent',
    sent: 'Your request {id} reached {shop}. It must answer by {date}.',
    sentNext:
      'Keep the reference. The shop answers you directly; if it does not answer in time, you may complain to the CNDP.',
    sentNextSuspended:
      'Keep the reference. {shop} is suspended and cannot answer: the data protection officer of the supervising authority answers you in its place, within the same time; if no answer comes in time, you may complain to the CNDP.',
    problem_shop: 'Choose a shop from the list.',
    problem_kind: 'Choose what you ask.',
    problem_email: 'Give the e-mail address you paid with.',
    problem_corrected_email: 'Give the right address, and only for a correction.',
    problem_note: 'The note is too long (at most 2,000 characters).',
    mailedTitle: 'Check your mailbox',
    mailed:
      'We sent a link to the address you gave. Open it within {hours} hours to send your request to {shop}: until then, nothing reaches the shop. No mail? Look in your spam folder, or send the form again.',
    mailSubject: 'Confirm your request to {shop}',
    mailBody:
      "Hello,\n\nSomeone, we hope you, asked {shop} on Tijara's form about the personal data it holds on this address:\n“{what}”\n\nTo send the request, open this link within {hours} hours and confirm:\n{link}\n\nIf it was not you, ignore this mail: nothing is sent, and the request is deleted.\n\nTijara",
    confirmTitle: 'Send your request',
    confirmIntro: 'Your address is confirmed. Send {shop} your request: “{what}”.',
    confirmSend: 'Send it to the shop',
    linkGoneTitle: 'This link no longer works',
    linkGone:
      'It was used already, or more than {hours} hours have passed since it was sent. Send the form again if you still want to.',
    tooMany: 'Too many requests from your connection. Try again in {seconds} seconds.',
    title: 'Your personal data at Tijara',
    intro:
      'Tijara carries card payments, bill payments and the supervision of e-merchants in Morocco. Under law 09-08, here is every kind of personal data it keeps, why, on what basis, who receives it, for how long, and how each piece is stored. This page is generated from the same register the platform is tested against.',
    rightsTitle: 'Your rights',
    rights:
      'You may ask to see the data held on you and who read it, to have it corrected, or object to it being kept. For a payment, ask the shop you paid: it is responsible for its customers’ data and records your request in Tijara, which answers it from every payment of yours at that shop (within {days} days). You may also complain to the CNDP, the national commission for the protection of personal data.',
    people: 'Whose data',
    data: 'What',
    purpose: 'Why',
    basis: 'Basis',
    recipients: 'Who receives it',
    retention: 'How long',
    storage: 'Where and how it is stored',
    readsLogged: 'Each reading of it in the console is recorded with its purpose.',
    column: 'Column',
    protection: 'Protection',
    basis_contract: 'The contract: the payment or service the person asked for',
    basis_legal_obligation: 'A legal obligation',
    basis_legitimate_interest: 'Legitimate interest: the security of the platform',
    retention_customer_data_set:
      '{days} days after the payment, then erased; sooner on the person’s objection',
    retention_customer_data_unset:
      'Until the shop erases it or the person objects: this platform sets no retention period (TIJARA_PERSONAL_DATA_RETENTION_DAYS)',
    retention_accounting: 'As long as the payment’s accounting records',
    retention_vetting_file:
      'As long as the merchant’s file, and then as long as the law against money laundering requires',
    retention_list_version: 'As long as the published list carries the entry',
    retention_account: 'As long as the account; a session’s address and browser a day after it ends',
    retention_request:
      'As long as the record of the request, to show it was answered in time; a request sent online and not confirmed from its mail within {hours} hours is deleted',
    retention_bank: 'As the bank keeps its cardholders’ accounts',
    protection_sealed: 'encrypted (AES-256-GCM), opened only where it is shown',
    protection_sealed_fields: 'personal fields encrypted (AES-256-GCM) one by one',
    protection_encrypted: 'encrypted (AES-256-GCM, envelope keys that are rotated)',
    protection_fingerprint: 'keyed fingerprint (HMAC-SHA256): recognises it, cannot give it back',
    protection_hashed: 'hashed (argon2id): checked, never read',
    protection_truncated: 'a part only (first six or last four digits)',
    protection_clear: 'in clear',
    card_payments_people: 'People who pay by card',
    card_payments_data:
      'Card number, expiry date, name on the card. The security code (CVV) is never written anywhere.',
    card_payments_purpose:
      'To authorize the payment with the issuing bank, settle it, refund it, and recognise the same card in fraud checks.',
    card_payments_recipients:
      'The issuing bank, through the interbank switch. The shop sees only the card’s brand and last four digits.',
    customer_contact_people: 'Customers of the shops',
    customer_contact_data: 'E-mail address',
    customer_contact_purpose: 'So that the shop can send the receipt and serve its customer.',
    customer_contact_recipients: 'The shop paid (through its API, its webhooks and its console)',
    cmi_buyers_people: 'Buyers at shops that use the CMI form',
    cmi_buyers_data: 'Name, billing and delivery addresses, telephone, e-mail, as the shop sends them',
    cmi_buyers_purpose: 'To carry the order back to the shop with the payment’s outcome, as CMI does.',
    cmi_buyers_recipients: 'The shop paid',
    bill_payers_people: 'People who pay bills and tax notices',
    bill_payers_data: 'The bill’s reference: contract, telephone or tax notice number',
    bill_payers_purpose: 'To find the bill, pay it, and give the biller and the payer their receipt.',
    bill_payers_recipients: 'The biller (water, electricity, telephone, the Treasury)',
    merchant_owners_people: 'Owners, managers and beneficial owners of e-merchants',
    merchant_owners_data:
      'Names in Latin and Arabic script, nationality, date of birth, identity document and its number',
    merchant_owners_purpose:
      'To vet every e-merchant’s identity before it takes payments, and screen its owners against terrorism and organised-crime watchlists.',
    merchant_owners_recipients: 'The supervising authority’s reviewers',
    watchlists_people: 'People on official watchlists (UN, national lists)',
    watchlists_data: 'Names, dates of birth and nationalities, as the lists publish them',
    watchlists_purpose: 'To screen e-merchants’ owners against them.',
    watchlists_recipients: 'The supervising authority’s reviewers',
    console_people_people: 'People who use the console (shops’, banks’ and the authority’s staff)',
    console_people_data:
      'Name, e-mail, password, second factor; the address and browser of each session; what they did, on the audit trail',
    console_people_purpose:
      'To sign people in, keep the platform secure, record every action, and mail them what their role must know (the link of their invitation, a reset link, a request about a customer’s data to answer).',
    console_people_recipients:
      'Their organisation; the supervising authority for the audit trail; the mail server that carries Tijara’s mails (TIJARA_SMTP_URL)',
    privacy_requests_people: 'People who ask about their data',
    privacy_requests_data: 'E-mail address, corrected address, the note of the request, and the answer',
    privacy_requests_purpose: 'To answer the request within the law’s deadline, and show that it was.',
    privacy_requests_recipients:
      'The shop that received it; the supervising authority sees only counts and dates, unless the shop is suspended: then its data protection officer answers in the shop’s place. A request sent online: the mail server that carries the link confirming it to the address given (TIJARA_SMTP_URL)',
    issuer_cardholders_people: 'Cardholders of the banks that use Tijara’s built-in issuer',
    issuer_cardholders_data: 'Name, account balance, card status and limits',
    issuer_cardholders_purpose: 'To run the bank’s card accounts: authorizations, holds, limits.',
    issuer_cardholders_recipients: 'The bank’s own staff',
  },
  fr: {
    requestLink: 'Envoyer une demande à un commerçant en ligne',
    requestTitle: 'Une demande sur vos données',
    requestIntro:
      'Envoyez au commerçant que vous avez payé une demande sur les données qu’il conserve sur vous par Tijara. Il doit répondre sous {days} jours ; Tijara envoie d’abord un lien à l’adresse indiquée, pour s’assurer que la demande vient de vous.',
    shop: 'Commerçant',
    chooseShop: 'Choisissez le commerçant',
    askWhat: 'Ce que vous demandez',
    ask_access: 'Voir mes données et qui les a consultées',
    ask_rectification: 'Corriger mon adresse e-mail',
    ask_objection: 'Faire effacer mon adresse e-mail et mes coordonnées',
    yourEmail: 'L’adresse e-mail donnée lors du paiement',
    correctedEmail: 'La bonne adresse (pour une correction)',
    note: 'Ce que le commerçant doit savoir (facultatif)',
    send: 'Envoyer la demande',
    sentTitle: 'Votre demande est envoyée',
    sent: 'Votre demande {id} est parvenue à {shop}. Il doit y répondre avant le {date}.',
    sentNext:
      'Gardez la référence. Le commerçant vous répond directement ; s’il ne répond pas à temps, vous pouvez saisir la CNDP.',
    sentNextSuspended:
      'Gardez la référence. {shop} est suspendu et ne peut pas répondre : le délégué à la protection des données de l’autorité de supervision vous répond à sa place, dans le même délai ; sans réponse à temps, vous pouvez saisir la CNDP.',
    problem_shop: 'Choisissez un commerçant de la liste.',
    problem_kind: 'Choisissez ce que vous demandez.',
    problem_email: 'Donnez l’adresse e-mail avec laquelle vous avez payé.',
    problem_corrected_email: 'Donnez la bonne adresse, et seulement pour une correction.',
    problem_note: 'La note est trop longue (2 000 caractères au plus).',
    mailedTitle: 'Consultez votre messagerie',
    mailed:
      'Nous avons envoyé un lien à l’adresse indiquée. Ouvrez-le dans les {hours} heures pour envoyer votre demande à {shop} : d’ici là, rien ne parvient au commerçant. Pas d’e-mail ? Regardez dans les indésirables, ou envoyez le formulaire à nouveau.',
    mailSubject: 'Confirmez votre demande à {shop}',
    mailBody:
      'Bonjour,\n\nQuelqu’un, vous nous l’espérons, a demandé à {shop}, sur le formulaire de Tijara, au sujet des données personnelles qu’il détient sur cette adresse :\n« {what} »\n\nPour envoyer la demande, ouvrez ce lien dans les {hours} heures et confirmez :\n{link}\n\nSi ce n’était pas vous, ignorez cet e-mail : rien n’est envoyé, et la demande est supprimée.\n\nTijara',
    confirmTitle: 'Envoyer votre demande',
    confirmIntro: 'Votre adresse est confirmée. Envoyez votre demande à {shop} : « {what} ».',
    confirmSend: 'L’envoyer au commerçant',
    linkGoneTitle: 'Ce lien ne fonctionne plus',
    linkGone:
      'Il a déjà servi, ou plus de {hours} heures ont passé depuis son envoi. Envoyez le formulaire à nouveau si vous le souhaitez toujours.',
    tooMany: 'Trop de demandes depuis votre connexion. Réessayez dans {seconds} secondes.',
    title: 'Vos données personnelles chez Tijara',
    intro:
      'Tijara porte les paiements par carte, le paiement des factures et la supervision des e-commerçants au Maroc. Au titre de la loi 09-08, voici chaque sorte de données personnelles qu’elle conserve, pourquoi, sur quelle base, qui les reçoit, combien de temps, et comment chacune est stockée. Cette page est produite à partir du registre même sur lequel la plateforme est testée.',
    rightsTitle: 'Vos droits',
    rights:
      'Vous pouvez demander à voir les données conservées sur vous et qui les a consultées, à les faire rectifier, ou vous opposer à leur conservation. Pour un paiement, adressez-vous au commerçant payé : il est responsable des données de ses clients et enregistre votre demande dans Tijara, qui y répond à partir de tous vos paiements chez lui (sous {days} jours). Vous pouvez aussi saisir la CNDP, la Commission nationale de contrôle de la protection des données à caractère personnel.',
    people: 'Personnes concernées',
    data: 'Données',
    purpose: 'Finalité',
    basis: 'Base',
    recipients: 'Destinataires',
    retention: 'Durée de conservation',
    storage: 'Où et comment elles sont stockées',
    readsLogged: 'Chaque consultation dans la console est enregistrée avec son motif.',
    column: 'Colonne',
    protection: 'Protection',
    basis_contract: 'Le contrat : le paiement ou le service demandé par la personne',
    basis_legal_obligation: 'Une obligation légale',
    basis_legitimate_interest: 'L’intérêt légitime : la sécurité de la plateforme',
    retention_customer_data_set:
      '{days} jours après le paiement, puis effacées ; plus tôt sur opposition de la personne',
    retention_customer_data_unset:
      'Jusqu’à leur effacement par le commerçant ou l’opposition de la personne : cette plateforme ne fixe pas de durée (TIJARA_PERSONAL_DATA_RETENTION_DAYS)',
    retention_accounting: 'Autant que les pièces comptables du paiement',
    retention_vetting_file:
      'Autant que le dossier du commerçant, puis autant que l’exige la loi contre le blanchiment de capitaux',
    retention_list_version: 'Tant que la liste publiée porte l’entrée',
    retention_account:
      'Autant que le compte ; l’adresse et le navigateur d’une session, un jour après sa fin',
    retention_request:
      'Autant que la trace de la demande, pour montrer qu’elle a été traitée à temps ; une demande envoyée en ligne et non confirmée depuis son e-mail dans les {hours} heures est supprimée',
    retention_bank: 'Comme la banque conserve les comptes de ses porteurs',
    protection_sealed: 'chiffrée (AES-256-GCM), ouverte seulement là où elle est affichée',
    protection_sealed_fields: 'champs personnels chiffrés (AES-256-GCM) un par un',
    protection_encrypted: 'chiffré (AES-256-GCM, clés d’enveloppe renouvelées)',
    protection_fingerprint: 'empreinte à clé (HMAC-SHA256) : la reconnaît, ne peut la rendre',
    protection_hashed: 'haché (argon2id) : vérifié, jamais relu',
    protection_truncated: 'en partie seulement (six premiers ou quatre derniers chiffres)',
    protection_clear: 'en clair',
    card_payments_people: 'Les personnes qui paient par carte',
    card_payments_data:
      'Numéro de carte, date d’expiration, nom sur la carte. Le cryptogramme (CVV) n’est jamais écrit nulle part.',
    card_payments_purpose:
      'Autoriser le paiement auprès de la banque émettrice, le régler, le rembourser, et reconnaître la même carte dans la lutte contre la fraude.',
    card_payments_recipients:
      'La banque émettrice, par le centre monétique interbancaire. Le commerçant ne voit que la marque et les quatre derniers chiffres.',
    customer_contact_people: 'Les clients des commerçants',
    customer_contact_data: 'Adresse e-mail',
    customer_contact_purpose: 'Permettre au commerçant d’envoyer le reçu et de servir son client.',
    customer_contact_recipients: 'Le commerçant payé (par son API, ses webhooks et sa console)',
    cmi_buyers_people: 'Les acheteurs des boutiques qui utilisent le formulaire CMI',
    cmi_buyers_data:
      'Nom, adresses de facturation et de livraison, téléphone, e-mail, tels que la boutique les envoie',
    cmi_buyers_purpose: 'Renvoyer la commande à la boutique avec l’issue du paiement, comme le fait le CMI.',
    cmi_buyers_recipients: 'La boutique payée',
    bill_payers_people: 'Les personnes qui paient des factures et des avis d’imposition',
    bill_payers_data: 'La référence de la facture : numéro de contrat, de téléphone ou d’avis',
    bill_payers_purpose: 'Trouver la facture, la payer, et remettre son reçu au facturier et au payeur.',
    bill_payers_recipients: 'Le facturier (eau, électricité, téléphone, la Trésorerie)',
    merchant_owners_people: 'Les associés, dirigeants et bénéficiaires effectifs des e-commerçants',
    merchant_owners_data:
      'Noms en caractères latins et arabes, nationalité, date de naissance, pièce d’identité et son numéro',
    merchant_owners_purpose:
      'Vérifier l’identité de chaque e-commerçant avant qu’il n’encaisse, et filtrer ses dirigeants contre les listes de terrorisme et de crime organisé.',
    merchant_owners_recipients: 'Les examinateurs de l’autorité de supervision',
    watchlists_people: 'Les personnes inscrites sur les listes officielles (ONU, listes nationales)',
    watchlists_data: 'Noms, dates de naissance et nationalités, tels que les listes les publient',
    watchlists_purpose: 'Y comparer les dirigeants des e-commerçants.',
    watchlists_recipients: 'Les examinateurs de l’autorité de supervision',
    console_people_people:
      'Les personnes qui utilisent la console (personnel des commerçants, des banques et de l’autorité)',
    console_people_data:
      'Nom, e-mail, mot de passe, second facteur ; l’adresse et le navigateur de chaque session ; leurs actions, au journal d’audit',
    console_people_purpose:
      'Connecter les personnes, sécuriser la plateforme, tracer chaque action, et leur écrire ce que leur rôle doit savoir (le lien de leur invitation, un lien de réinitialisation, une demande sur les données d’un client à traiter).',
    console_people_recipients:
      'Leur organisation ; l’autorité de supervision pour le journal d’audit ; le serveur de messagerie qui porte les e-mails de Tijara (TIJARA_SMTP_URL)',
    privacy_requests_people: 'Les personnes qui font une demande sur leurs données',
    privacy_requests_data: 'Adresse e-mail, adresse corrigée, note de la demande, et la réponse',
    privacy_requests_purpose: 'Répondre dans le délai de la loi, et pouvoir le montrer.',
    privacy_requests_recipients:
      'Le commerçant qui l’a reçue ; l’autorité de supervision ne voit que des nombres et des dates, sauf si le commerçant est suspendu : son délégué à la protection des données répond alors à sa place. Une demande envoyée en ligne : le serveur de messagerie qui porte le lien de confirmation à l’adresse indiquée (TIJARA_SMTP_URL)',
    issuer_cardholders_people: 'Les porteurs des banques qui utilisent l’émetteur intégré de Tijara',
    issuer_cardholders_data: 'Nom, solde du compte, statut et plafonds de la carte',
    issuer_cardholders_purpose: 'Tenir les comptes cartes de la banque : autorisations, réserves, plafonds.',
    issuer_cardholders_recipients: 'Le personnel de la banque',
  },
  ar: {
    requestLink: 'إرسال طلب إلى متجر عبر الإنترنت',
    requestTitle: 'طلب بشأن معطياتكم',
    requestIntro:
      'أرسلوا إلى المتجر الذي أديتم له طلبًا بشأن المعطيات التي يحتفظ بها عنكم عبر تجارة. عليه أن يجيب في أجل {days} يومًا؛ وتبعث تجارة أولًا رابطًا إلى العنوان الذي تدخلونه، للتأكد من أن الطلب صادر عنكم.',
    shop: 'المتجر',
    chooseShop: 'اختاروا المتجر',
    askWhat: 'ما تطلبونه',
    ask_access: 'الاطلاع على معطياتي ومن اطلع عليها',
    ask_rectification: 'تصحيح بريدي الإلكتروني',
    ask_objection: 'محو بريدي الإلكتروني وبياناتي',
    yourEmail: 'البريد الإلكتروني المقدم عند الأداء',
    correctedEmail: 'العنوان الصحيح (للتصحيح)',
    note: 'ما ينبغي أن يعرفه المتجر (اختياري)',
    send: 'إرسال الطلب',
    sentTitle: 'أُرسل طلبكم',
    sent: 'وصل طلبكم {id} إلى {shop}. عليه أن يجيب قبل {date}.',
    sentNext:
      'احتفظوا بالمرجع. يجيبكم المتجر مباشرة؛ وإن لم يجب في الأجل، يمكنكم تقديم شكاية إلى اللجنة الوطنية.',
    sentNextSuspended:
      'احتفظوا بالمرجع. {shop} موقوف ولا يمكنه الإجابة: يجيبكم مسؤول حماية المعطيات لدى سلطة المراقبة نيابة عنه في الأجل نفسه؛ وإن لم يصلكم جواب في الأجل، يمكنكم تقديم شكاية إلى اللجنة الوطنية.',
    problem_shop: 'اختاروا متجرًا من اللائحة.',
    problem_kind: 'اختاروا ما تطلبونه.',
    problem_email: 'أدخلوا البريد الإلكتروني الذي أديتم به.',
    problem_corrected_email: 'أدخلوا العنوان الصحيح، وللتصحيح فقط.',
    problem_note: 'الملاحظة طويلة جدًا (2000 حرف على الأكثر).',
    mailedTitle: 'راجعوا بريدكم الإلكتروني',
    mailed:
      'أرسلنا رابطًا إلى العنوان الذي أدخلتموه. افتحوه خلال {hours} ساعة لإرسال طلبكم إلى {shop}: لن يصل شيء إلى التاجر قبل ذلك. لم تصلكم رسالة؟ تفقّدوا مجلد الرسائل غير المرغوب فيها، أو أرسلوا الاستمارة من جديد.',
    mailSubject: 'أكّدوا طلبكم إلى {shop}',
    mailBody:
      'مرحبًا،\n\nطلب أحدهم، ونرجو أن تكونوا أنتم، من {shop} عبر استمارة تجارة ما يخص المعطيات الشخصية التي يحتفظ بها عن هذا العنوان:\n«{what}»\n\nلإرسال الطلب، افتحوا هذا الرابط خلال {hours} ساعة وأكّدوا:\n{link}\n\nإن لم تكونوا أنتم، فتجاهلوا هذه الرسالة: لن يُرسل شيء، وسيُحذف الطلب.\n\nتجارة',
    confirmTitle: 'إرسال طلبكم',
    confirmIntro: 'تأكّد عنوانكم. أرسلوا طلبكم إلى {shop}: «{what}».',
    confirmSend: 'إرساله إلى التاجر',
    linkGoneTitle: 'هذا الرابط لم يعد صالحًا',
    linkGone:
      'سبق استعماله، أو مرّت أكثر من {hours} ساعة على إرساله. أرسلوا الاستمارة من جديد إن كنتم ما زلتم ترغبون في ذلك.',
    tooMany: 'طلبات كثيرة من اتصالكم. أعيدوا المحاولة بعد {seconds} ثانية.',
    title: 'معطياتكم الشخصية لدى تجارة',
    intro:
      'تحمل تجارة الأداء بالبطاقة وأداء الفواتير ومراقبة التجار الإلكترونيين في المغرب. وفق القانون 09-08، إليكم كل صنف من المعطيات الشخصية التي تحتفظ بها، ولماذا، وعلى أي أساس، ومن يتلقاها، وإلى متى، وكيف تُخزَّن كل قطعة منها. تُنشأ هذه الصفحة من السجل نفسه الذي تُختبر عليه المنصة.',
    rightsTitle: 'حقوقكم',
    rights:
      'يمكنكم طلب الاطلاع على المعطيات المحفوظة عنكم ومن اطلع عليها، وطلب تصحيحها، أو التعرض على الاحتفاظ بها. بالنسبة لأداء، توجهوا إلى المتجر الذي أديتم له: فهو المسؤول عن معطيات زبنائه ويسجل طلبكم في تجارة، التي تجيب عنه من كل أداءاتكم لديه (في أجل {days} يومًا). ويمكنكم أيضًا تقديم شكاية إلى اللجنة الوطنية لمراقبة حماية المعطيات ذات الطابع الشخصي.',
    people: 'الأشخاص المعنيون',
    data: 'المعطيات',
    purpose: 'الغاية',
    basis: 'الأساس',
    recipients: 'المتلقون',
    retention: 'مدة الحفظ',
    storage: 'أين وكيف تُخزَّن',
    readsLogged: 'يُسجَّل كل اطلاع عليها في لوحة التحكم مع الغرض منه.',
    column: 'العمود',
    protection: 'الحماية',
    basis_contract: 'العقد: الأداء أو الخدمة التي طلبها الشخص',
    basis_legal_obligation: 'التزام قانوني',
    basis_legitimate_interest: 'المصلحة المشروعة: أمن المنصة',
    retention_customer_data_set: '{days} يومًا بعد الأداء، ثم تُمحى؛ وقبل ذلك عند تعرض الشخص',
    retention_customer_data_unset:
      'إلى أن يمحوها المتجر أو يتعرض الشخص: لا تحدد هذه المنصة مدة للحفظ (TIJARA_PERSONAL_DATA_RETENTION_DAYS)',
    retention_accounting: 'ما دامت الوثائق المحاسبية للأداء محفوظة',
    retention_vetting_file: 'ما دام ملف التاجر قائمًا، ثم المدة التي يفرضها قانون مكافحة غسل الأموال',
    retention_list_version: 'ما دامت اللائحة المنشورة تتضمن القيد',
    retention_account: 'ما دام الحساب قائمًا؛ وعنوان الجلسة ومتصفحها يومًا بعد انتهائها',
    retention_request:
      'ما دام أثر الطلب محفوظًا، لإثبات الإجابة عنه في الأجل؛ ويُحذف الطلب المرسل عبر الإنترنت إن لم يُؤكَّد من رسالته خلال {hours} ساعة',
    retention_bank: 'كما يحفظ البنك حسابات حاملي بطاقاته',
    protection_sealed: 'مشفرة (AES-256-GCM)، لا تُفتح إلا حيث تُعرض',
    protection_sealed_fields: 'الحقول الشخصية مشفرة (AES-256-GCM) واحدًا واحدًا',
    protection_encrypted: 'مشفر (AES-256-GCM، بمفاتيح مغلِّفة تُجدَّد)',
    protection_fingerprint: 'بصمة بمفتاح (HMAC-SHA256): تتعرف عليها ولا تعيدها',
    protection_hashed: 'مُجزَّأ (argon2id): يُتحقق منه ولا يُقرأ',
    protection_truncated: 'جزء فقط (الأرقام الستة الأولى أو الأربعة الأخيرة)',
    protection_clear: 'غير مشفرة',
    card_payments_people: 'الأشخاص الذين يؤدون بالبطاقة',
    card_payments_data: 'رقم البطاقة وتاريخ انتهائها والاسم عليها. لا يُكتب رمز الأمان (CVV) في أي مكان.',
    card_payments_purpose:
      'الترخيص بالأداء لدى البنك المُصدِر، وتسويته، واسترجاعه، والتعرف على البطاقة نفسها في مكافحة الاحتيال.',
    card_payments_recipients:
      'البنك المُصدِر، عبر المركز النقدي البيبنكي. لا يرى المتجر إلا علامة البطاقة وأرقامها الأربعة الأخيرة.',
    customer_contact_people: 'زبناء المتاجر',
    customer_contact_data: 'البريد الإلكتروني',
    customer_contact_purpose: 'ليتمكن المتجر من إرسال الوصل وخدمة زبونه.',
    customer_contact_recipients: 'المتجر الذي تم الأداء له (عبر واجهته البرمجية وإشعاراته ولوحة التحكم)',
    cmi_buyers_people: 'المشترون في المتاجر التي تستعمل استمارة CMI',
    cmi_buyers_data: 'الاسم وعنوانا الفوترة والتسليم والهاتف والبريد، كما يرسلها المتجر',
    cmi_buyers_purpose: 'إرجاع الطلب إلى المتجر مع نتيجة الأداء، كما يفعل CMI.',
    cmi_buyers_recipients: 'المتجر الذي تم الأداء له',
    bill_payers_people: 'الأشخاص الذين يؤدون الفواتير والإشعارات الضريبية',
    bill_payers_data: 'مرجع الفاتورة: رقم العقد أو الهاتف أو الإشعار',
    bill_payers_purpose: 'إيجاد الفاتورة وأداؤها وتسليم الوصل للمُفوتِر وللمؤدي.',
    bill_payers_recipients: 'المُفوتِر (الماء، الكهرباء، الهاتف، الخزينة)',
    merchant_owners_people: 'الشركاء والمسيرون والمستفيدون الفعليون من التجار الإلكترونيين',
    merchant_owners_data:
      'الأسماء بالحروف اللاتينية والعربية، والجنسية، وتاريخ الازدياد، ووثيقة الهوية ورقمها',
    merchant_owners_purpose:
      'التحقق من هوية كل تاجر إلكتروني قبل أن يقبض، ومقارنة مسيريه بلوائح الإرهاب والجريمة المنظمة.',
    merchant_owners_recipients: 'مراجعو سلطة المراقبة',
    watchlists_people: 'الأشخاص المدرجون في اللوائح الرسمية (الأمم المتحدة، اللوائح الوطنية)',
    watchlists_data: 'الأسماء وتواريخ الازدياد والجنسيات، كما تنشرها اللوائح',
    watchlists_purpose: 'مقارنة مسيري التجار الإلكترونيين بها.',
    watchlists_recipients: 'مراجعو سلطة المراقبة',
    console_people_people: 'مستعملو لوحة التحكم (موظفو المتاجر والبنوك والسلطة)',
    console_people_data:
      'الاسم والبريد وكلمة المرور والعامل الثاني؛ وعنوان كل جلسة ومتصفحها؛ وما قاموا به، في سجل التدقيق',
    console_people_purpose:
      'تسجيل دخول الأشخاص، وتأمين المنصة، وتتبع كل عملية، ومراسلتهم بما يلزم دورهم معرفته (رابط دعوتهم، أو رابط إعادة تعيين، أو طلب بشأن معطيات زبون للإجابة عنه).',
    console_people_recipients:
      'مؤسستهم؛ وسلطة المراقبة بالنسبة لسجل التدقيق؛ وخادم البريد الذي ينقل رسائل تجارة (TIJARA_SMTP_URL)',
    privacy_requests_people: 'الأشخاص الذين يقدمون طلبًا بشأن معطياتهم',
    privacy_requests_data: 'البريد الإلكتروني والعنوان المصحح وملاحظة الطلب والجواب',
    privacy_requests_purpose: 'الإجابة في الأجل القانوني، وإثبات ذلك.',
    privacy_requests_recipients:
      'المتجر الذي تلقاه؛ ولا ترى سلطة المراقبة إلا أعدادًا وتواريخ، إلا إذا كان المتجر موقوفًا: فيجيب عندئذ مسؤول حماية المعطيات لديها نيابة عنه. وللطلب المرسل عبر الإنترنت: خادم البريد الذي ينقل رابط تأكيده إلى العنوان المُدخل (TIJARA_SMTP_URL)',
    issuer_cardholders_people: 'حاملو بطاقات البنوك التي تستعمل المُصدِر المدمج في تجارة',
    issuer_cardholders_data: 'الاسم ورصيد الحساب وحالة البطاقة وسقوفها',
    issuer_cardholders_purpose: 'تدبير حسابات بطاقات البنك: الترخيصات والحجوزات والسقوف.',
    issuer_cardholders_recipients: 'موظفو البنك',
  },
});
export type RegisterText = ReturnType<typeof registerMessages>;
