import { defineMessages } from '../web/i18n.js';

/** Labels of the one-time link pages: choose a password, enrol an authenticator. */
export const accountMessages = defineMessages({
  en: {
    invitationTitle: 'Welcome to Tijara',
    resetTitle: 'Choose a new password',
    greeting: 'Hello {name}. Choose the password for {email}.',
    newPassword: 'New password (at least 12 characters)',
    repeatPassword: 'The same password again',
    setPassword: 'Set the password',
    passwordsDiffer: 'The two passwords differ.',
    password_too_short: 'A password has at least 12 characters.',
    password_too_long: 'A password has at most 256 characters.',
    password_only_digits: 'A password must not be only digits.',
    invalidLink: 'This link is unknown, used or expired. Ask for a new one.',
    enrolTitle: 'Set up your authenticator',
    enrolIntro:
      'Your role needs a second factor. Add this key to an authenticator app (time-based, 6 digits, every 30 seconds), then type the code it shows.',
    secretKey: 'Setup key',
    otpauthUri: 'Or this URI',
    qrCode: 'QR code of the setup key',
    confirmCode: 'Code from the app',
    confirm: 'Confirm',
    codeWrong: 'That code is not right. Type the current one.',
    passwordSet: 'Your password is set. Sign in.',
    enrolled: 'Your authenticator is set up. Sign in with its next code.',
    forgotLink: 'Forgot your password?',
    forgotTitle: 'A new password, by mail',
    forgotIntro:
      'Give the address you sign in with: Tijara mails it a link to choose a new password. Your second factor is still asked at sign-in.',
    forgotSend: 'Mail me the link',
    forgotSent:
      'If an account signs in with this address, a link to choose a new password is on its way to it. It works once, for {hours} hours.',
    forgotTooMany: 'Too many requests from your connection. Try again in {seconds} seconds.',
    resetMailSubject: 'Your Tijara console password',
    resetMailBody:
      'Hello {name},\n\nA new password was asked for the Tijara console account {email}, by you on the sign-in page or by an administrator of Tijara. To choose it, open this link within {hours} hours:\n{link}\n\nIf you did not expect it, ignore this mail: your password stays as it is.\n\nTijara',
    invitationMailSubject: 'Your account on the Tijara console',
    invitationMailBody:
      'Hello {name},\n\nAn administrator of Tijara opened an account for you on its console, for {organisation}: you will sign in as {email}. To choose your password, open this link within {days} days:\n{link}\n\nIf you did not expect it, ignore this mail: without a password, the account cannot be used.\n\nTijara',
  },
  fr: {
    invitationTitle: 'Bienvenue sur Tijara',
    resetTitle: 'Choisissez un nouveau mot de passe',
    greeting: 'Bonjour {name}. Choisissez le mot de passe de {email}.',
    newPassword: 'Nouveau mot de passe (12 caractères au moins)',
    repeatPassword: 'Le même mot de passe, à nouveau',
    setPassword: 'Enregistrer le mot de passe',
    passwordsDiffer: 'Les deux mots de passe diffèrent.',
    password_too_short: 'Un mot de passe compte au moins 12 caractères.',
    password_too_long: 'Un mot de passe compte au plus 256 caractères.',
    password_only_digits: "Un mot de passe ne doit pas n'être que des chiffres.",
    invalidLink: 'Ce lien est inconnu, déjà utilisé ou expiré. Demandez-en un nouveau.',
    enrolTitle: "Configurez votre application d'authentification",
    enrolIntro:
      "Votre rôle exige un second facteur. Ajoutez cette clé à une application d'authentification (basée sur le temps, 6 chiffres, toutes les 30 secondes), puis saisissez le code affiché.",
    secretKey: 'Clé de configuration',
    otpauthUri: 'Ou cette URI',
    qrCode: 'QR code de la clé de configuration',
    confirmCode: "Code de l'application",
    confirm: 'Confirmer',
    codeWrong: "Ce code n'est pas le bon. Saisissez le code actuel.",
    passwordSet: 'Votre mot de passe est enregistré. Connectez-vous.',
    enrolled: 'Votre authentificateur est configuré. Connectez-vous avec son prochain code.',
    forgotLink: 'Mot de passe oublié ?',
    forgotTitle: 'Un nouveau mot de passe, par e-mail',
    forgotIntro:
      'Indiquez l’adresse avec laquelle vous vous connectez : Tijara y envoie un lien pour choisir un nouveau mot de passe. Votre second facteur reste demandé à la connexion.',
    forgotSend: 'M’envoyer le lien',
    forgotSent:
      'Si un compte se connecte avec cette adresse, un lien pour choisir un nouveau mot de passe est en route vers elle. Il sert une fois, pendant {hours} heures.',
    forgotTooMany: 'Trop de demandes depuis votre connexion. Réessayez dans {seconds} secondes.',
    resetMailSubject: 'Votre mot de passe de la console Tijara',
    resetMailBody:
      'Bonjour {name},\n\nUn nouveau mot de passe a été demandé pour le compte {email} de la console Tijara, par vous sur la page de connexion ou par un administrateur de Tijara. Pour le choisir, ouvrez ce lien dans les {hours} heures :\n{link}\n\nSi vous ne l’attendiez pas, ignorez cet e-mail : votre mot de passe reste le même.\n\nTijara',
    invitationMailSubject: 'Votre compte sur la console Tijara',
    invitationMailBody:
      'Bonjour {name},\n\nUn administrateur de Tijara vous a ouvert un compte sur sa console, pour {organisation} : vous vous connecterez avec l’adresse {email}. Pour choisir votre mot de passe, ouvrez ce lien dans les {days} jours :\n{link}\n\nSi vous ne l’attendiez pas, ignorez cet e-mail : sans mot de passe, le compte ne peut servir.\n\nTijara',
  },
  ar: {
    invitationTitle: 'مرحبا بك في تجارة',
    resetTitle: 'اختر كلمة مرور جديدة',
    greeting: 'مرحبا {name}. اختر كلمة المرور لـ {email}.',
    newPassword: 'كلمة المرور الجديدة (12 حرفا على الأقل)',
    repeatPassword: 'كلمة المرور نفسها مرة أخرى',
    setPassword: 'حفظ كلمة المرور',
    passwordsDiffer: 'كلمتا المرور مختلفتان.',
    password_too_short: 'تتكون كلمة المرور من 12 حرفا على الأقل.',
    password_too_long: 'تتكون كلمة المرور من 256 حرفا على الأكثر.',
    password_only_digits: 'يجب ألا تتكون كلمة المرور من أرقام فقط.',
    invalidLink: 'هذا الرابط غير معروف أو مستعمل أو منته الصلاحية. اطلب رابطا جديدا.',
    enrolTitle: 'إعداد تطبيق المصادقة',
    enrolIntro:
      'يتطلب دورك عاملا ثانيا. أضف هذا المفتاح إلى تطبيق مصادقة (زمني، 6 أرقام، كل 30 ثانية)، ثم أدخل الرمز الذي يظهره.',
    secretKey: 'مفتاح الإعداد',
    otpauthUri: 'أو هذا العنوان',
    qrCode: 'رمز QR لمفتاح الإعداد',
    confirmCode: 'رمز التطبيق',
    confirm: 'تأكيد',
    codeWrong: 'هذا الرمز غير صحيح. أدخل الرمز الحالي.',
    passwordSet: 'تم حفظ كلمة المرور. سجل الدخول.',
    enrolled: 'تم إعداد تطبيق المصادقة. سجل الدخول برمزه التالي.',
    forgotLink: 'نسيت كلمة المرور؟',
    forgotTitle: 'كلمة مرور جديدة عبر البريد',
    forgotIntro:
      'أدخل العنوان الذي تسجل الدخول به: ترسل إليه تجارة رابطا لاختيار كلمة مرور جديدة. يبقى العامل الثاني مطلوبا عند تسجيل الدخول.',
    forgotSend: 'أرسل إلي الرابط',
    forgotSent:
      'إن كان حساب يسجل الدخول بهذا العنوان، فرابط اختيار كلمة مرور جديدة في طريقه إليه. يصلح مرة واحدة، خلال {hours} ساعة.',
    forgotTooMany: 'طلبات كثيرة من اتصالك. أعد المحاولة بعد {seconds} ثانية.',
    resetMailSubject: 'كلمة مرورك في وحدة تحكم تجارة',
    resetMailBody:
      'مرحبا {name}،\n\nطُلبت كلمة مرور جديدة لحساب {email} في وحدة تحكم تجارة، منك في صفحة الدخول أو من أحد مسؤولي تجارة. لاختيارها، افتح هذا الرابط خلال {hours} ساعة:\n{link}\n\nإن لم تكن تنتظرها، فتجاهل هذه الرسالة: تبقى كلمة مرورك كما هي.\n\nتجارة',
    invitationMailSubject: 'حسابك في وحدة تحكم تجارة',
    invitationMailBody:
      'مرحبا {name}،\n\nفتح لك أحد مسؤولي تجارة حسابا في وحدة التحكم، لـ {organisation}: ستدخل بالعنوان {email}. لاختيار كلمة مرورك، افتح هذا الرابط خلال {days} أيام:\n{link}\n\nإن لم تكن تنتظرها، فتجاهل هذه الرسالة: لا يمكن استعمال الحساب دون كلمة مرور.\n\nتجارة',
  },
});
