import type { Locale } from '../web/i18n.js';
import { defineMessages } from '../web/i18n.js';
import type { Quarter } from './model.js';

export const observatoryMessages = defineMessages({
  en: {
    title: 'E-commerce observatory',
    intro:
      'Card payments captured online by merchants in Morocco, in dirhams (MAD), each quarter: live payments only, test payments never. Refunds are shown apart and not taken off the volume. No figure shows fewer than {minimum} merchants: smaller sectors are pooled into "Other", and the split by card origin is withheld for a quarter where either origin has fewer.',
    latest: 'Latest quarter: {quarter}',
    provisional: 'provisional',
    provisionalNote: 'The quarter is not over or has only just ended: its figures will still move.',
    imported: 'imported series',
    importedNote:
      'Quarters marked "imported series" come from the figures published before Tijara ran, taken as they were.',
    quarter: 'Quarter',
    payments: 'Payments',
    volume: 'Volume',
    averageBasket: 'Average basket',
    growthQuarter: 'Growth on the quarter',
    growthYear: 'Growth on the year',
    refunds: 'Refunds',
    refunded: 'Refunded',
    seriesTitle: 'The series, quarter by quarter',
    volumeChartTitle: 'Volume by quarter and card origin',
    volumeChartDescription:
      'A bar per quarter, as tall as the volume of card payments; each bar is split between Moroccan cards (bottom, dark green) and foreign cards (top, orange) when both are published, else drawn whole (grey). The table below gives the same figures.',
    sectorChartTitle: 'Volume by sector, {quarter}',
    sectorChartDescription:
      'A bar per sector, as long as its volume of card payments in the quarter, largest first, with the amount written after it.',
    allCards: 'All cards (split withheld)',
    sector_retail: 'Retail',
    sector_travel: 'Travel agencies',
    sector_airline: 'Airlines',
    sector_car_rental: 'Car rental',
    sector_hospitality: 'Hotels and restaurants',
    sector_bills: 'Utility bills',
    sector_taxes: 'Taxes',
    sector_public_services: 'Public services',
    sector_other: 'Other',
    origin_moroccan: 'Moroccan cards',
    origin_foreign: 'Foreign cards',
    openData: 'Open data',
    downloadCsv: 'Download CSV',
    json: 'JSON',
    empty: 'No figures yet: the first quarter is published once it has enough merchants.',
  },
  fr: {
    title: 'Observatoire du e-commerce',
    intro:
      'Les paiements par carte encaissés en ligne par les commerçants au Maroc, en dirhams (MAD), trimestre par trimestre : paiements réels seulement, jamais ceux de test. Les remboursements sont donnés à part et ne sont pas déduits du volume. Aucun chiffre ne repose sur moins de {minimum} commerçants : les secteurs plus petits sont regroupés dans « Autres », et la répartition par origine de la carte n’est pas publiée pour un trimestre où l’une des origines en compte moins.',
    latest: 'Dernier trimestre : {quarter}',
    provisional: 'provisoire',
    provisionalNote: 'Le trimestre n’est pas fini ou vient de s’achever : ses chiffres bougeront encore.',
    imported: 'série importée',
    importedNote:
      'Les trimestres marqués « série importée » viennent des chiffres publiés avant Tijara, repris tels quels.',
    quarter: 'Trimestre',
    payments: 'Paiements',
    volume: 'Volume',
    averageBasket: 'Panier moyen',
    growthQuarter: 'Évolution sur le trimestre',
    growthYear: 'Évolution sur un an',
    refunds: 'Remboursements',
    refunded: 'Montant remboursé',
    seriesTitle: 'La série, trimestre par trimestre',
    volumeChartTitle: 'Volume par trimestre et origine de la carte',
    volumeChartDescription:
      'Une barre par trimestre, de la hauteur du volume des paiements par carte ; chaque barre est partagée entre cartes marocaines (en bas, vert foncé) et cartes étrangères (en haut, orange) quand les deux sont publiées, sinon tracée d’un seul bloc (gris). Le tableau plus bas donne les mêmes chiffres.',
    sectorChartTitle: 'Volume par secteur, {quarter}',
    sectorChartDescription:
      'Une barre par secteur, de la longueur de son volume de paiements par carte sur le trimestre, du plus grand au plus petit, avec le montant écrit à sa suite.',
    allCards: 'Toutes cartes (répartition non publiée)',
    sector_retail: 'Commerce de détail',
    sector_travel: 'Agences de voyage',
    sector_airline: 'Compagnies aériennes',
    sector_car_rental: 'Location de voitures',
    sector_hospitality: 'Hôtellerie et restauration',
    sector_bills: 'Factures (eau, électricité, téléphone)',
    sector_taxes: 'Impôts et taxes',
    sector_public_services: 'Services publics',
    sector_other: 'Autres',
    origin_moroccan: 'Cartes marocaines',
    origin_foreign: 'Cartes étrangères',
    openData: 'Données ouvertes',
    downloadCsv: 'Télécharger le CSV',
    json: 'JSON',
    empty:
      'Pas encore de chiffres : le premier trimestre sera publié dès qu’il réunira assez de commerçants.',
  },
  ar: {
    title: 'مرصد التجارة الإلكترونية',
    intro:
      'مدفوعات البطاقات التي يحصّلها التجار بالمغرب عبر الإنترنت، بالدرهم، ربعا بربع: المدفوعات الفعلية وحدها، دون مدفوعات الاختبار. تعرض المبالغ المسترجعة على حدة ولا تخصم من الحجم. لا يقوم أي رقم على أقل من {minimum} تجار: تجمع القطاعات الأصغر في «قطاعات أخرى»، ولا ينشر التوزيع حسب مصدر البطاقة في ربع يقل فيه عدد تجار أحد المصدرين عن ذلك.',
    latest: 'آخر ربع: {quarter}',
    provisional: 'مؤقت',
    provisionalNote: 'الربع لم ينته أو انتهى للتو: أرقامه ستتغير بعد.',
    imported: 'سلسلة مستوردة',
    importedNote: 'الأرباع المعلمة بعبارة «سلسلة مستوردة» مأخوذة كما هي من الأرقام المنشورة قبل تشغيل تجارة.',
    quarter: 'الربع',
    payments: 'عدد المدفوعات',
    volume: 'الحجم',
    averageBasket: 'متوسط السلة',
    growthQuarter: 'التطور على ربع',
    growthYear: 'التطور على سنة',
    refunds: 'عدد الاسترجاعات',
    refunded: 'المبلغ المسترجع',
    seriesTitle: 'السلسلة، ربعا بربع',
    volumeChartTitle: 'الحجم حسب الربع ومصدر البطاقة',
    volumeChartDescription:
      'عمود لكل ربع، طوله بقدر حجم مدفوعات البطاقات؛ يقسم كل عمود بين البطاقات المغربية (في الأسفل، بالأخضر الداكن) والبطاقات الأجنبية (في الأعلى، بالبرتقالي) إذا نشر الاثنان، وإلا رسم كتلة واحدة (بالرمادي). الجدول أدناه يعطي الأرقام نفسها.',
    sectorChartTitle: 'الحجم حسب القطاع، {quarter}',
    sectorChartDescription:
      'شريط لكل قطاع، طوله بقدر حجم مدفوعات البطاقات فيه خلال الربع، من الأكبر إلى الأصغر، مع المبلغ مكتوبا بعده.',
    allCards: 'كل البطاقات (التوزيع غير منشور)',
    sector_retail: 'تجارة التقسيط',
    sector_travel: 'وكالات الأسفار',
    sector_airline: 'شركات الطيران',
    sector_car_rental: 'كراء السيارات',
    sector_hospitality: 'الفندقة والمطاعم',
    sector_bills: 'الفواتير (الماء والكهرباء والهاتف)',
    sector_taxes: 'الضرائب والرسوم',
    sector_public_services: 'الخدمات العمومية',
    sector_other: 'قطاعات أخرى',
    origin_moroccan: 'بطاقات مغربية',
    origin_foreign: 'بطاقات أجنبية',
    openData: 'البيانات المفتوحة',
    downloadCsv: 'تحميل ملف CSV',
    json: 'JSON',
    empty: 'لا أرقام بعد: ينشر أول ربع حين يجمع عددا كافيا من التجار.',
  },
});

const QUARTER_NAMES: Record<Locale, readonly [string, string, string, string]> = {
  en: ['Q1', 'Q2', 'Q3', 'Q4'],
  fr: ['T1', 'T2', 'T3', 'T4'],
  ar: ['الربع 1', 'الربع 2', 'الربع 3', 'الربع 4'],
};

/** `2026-Q3` as a reader writes it, in two parts so a chart can put the year under the quarter. */
export function quarterName(quarter: Quarter, locale: Locale): { name: string; year: string } {
  const [year = '', number = '1'] = quarter.split('-Q');
  return { name: QUARTER_NAMES[locale][Number(number) - 1] ?? quarter, year };
}

/** `T3 2026`, `Q3 2026`, `الربع 3 2026`. */
export function quarterLabel(quarter: Quarter, locale: Locale): string {
  const { name, year } = quarterName(quarter, locale);
  return `${name} ${year}`;
}
