import { defineMessages } from '../web/i18n.js';

export const mailMessages = defineMessages({
  en: {
    mailboxTitle: 'Demo mailbox',
    mailboxIntro:
      'The mails Tijara would have sent, newest first. No mail server is set (TIJARA_SMTP_URL), so nobody received them.',
    mailboxEmpty: 'No mail yet.',
    to: 'To',
  },
  fr: {
    mailboxTitle: 'Boîte aux lettres de démonstration',
    mailboxIntro:
      'Les e-mails que Tijara aurait envoyés, du plus récent au plus ancien. Aucun serveur de messagerie n’est configuré (TIJARA_SMTP_URL) : personne ne les a reçus.',
    mailboxEmpty: 'Aucun e-mail pour le moment.',
    to: 'À',
  },
  ar: {
    mailboxTitle: 'صندوق البريد التجريبي',
    mailboxIntro:
      'الرسائل التي كانت تجارة سترسلها، من الأحدث إلى الأقدم. لم يُضبط أي خادم بريد (TIJARA_SMTP_URL)، فلم يتسلّمها أحد.',
    mailboxEmpty: 'لا توجد رسائل بعد.',
    to: 'إلى',
  },
});
