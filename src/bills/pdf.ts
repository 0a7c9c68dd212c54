import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { packageRoot } from '../core/paths.js';
import { fill, formatMoney, type Locale } from '../web/i18n.js';
import { hasArabic, visualRuns } from './bidi.js';
import { billMessages } from './messages.js';
import { formatDateTime } from './pages.js';
import type { Receipt } from './service.js';

const ARABIC_FONT = join(
  packageRoot,
  'node_modules',
  '@embedpdf',
  'fonts-arabic',
  'fonts',
  'NotoNaskhArabic-Regular.ttf',
);
const ARABIC_BOLD = join(
  packageRoot,
  'node_modules',
  '@embedpdf',
  'fonts-arabic',
  'fonts',
  'NotoNaskhArabic-Bold.ttf',
);
const PAGE_MARGIN = 50;

type Doc = PDFKit.PDFDocument;

/**
 * Draws one line of mixed text in a box, right-aligned for Arabic and left-aligned otherwise: each
 * bidi run is drawn on its own (Arabic runs in Noto Naskh Arabic, the rest in Helvetica), in visual order.
 */
function line(
  doc: Doc,
  text: string,
  x: number,
  y: number,
  width: number,
  options: { rtl: boolean; size?: number; bold?: boolean; align?: 'start' | 'end' },
) {
  const size = options.size ?? 11;
  // An Arabic run goes word by word (right to left): text extraction then finds the spaces between words.
  const pieces = visualRuns(text, options.rtl ? 'rtl' : 'ltr').flatMap((run) =>
    run.rtl
      ? run.text
          .split(/(\s+)/)
          .filter((p) => p !== '')
          .reverse()
      : [run.text],
  );
  const runs = pieces.map((piece) => {
    const run = { text: piece };
    const font = hasArabic(run.text)
      ? options.bold
        ? 'arabic-bold'
        : 'arabic'
      : options.bold
        ? 'Helvetica-Bold'
        : 'Helvetica';
    doc.font(font).fontSize(size);
    return { ...run, font, width: doc.widthOfString(run.text) };
  });
  const total = runs.reduce((sum, r) => sum + r.width, 0);
  const alignRight = (options.align ?? 'start') === 'start' ? options.rtl : !options.rtl;
  let cursor = alignRight ? x + width - total : x;
  for (const run of runs) {
    if (run.text.trim() !== '')
      doc.font(run.font).fontSize(size).text(run.text, cursor, y, { lineBreak: false });
    cursor += run.width;
  }
}

/**
 * The receipt as a PDF (A4) in Arabic, French or English: number, date, biller, reference (the notice
 * number for a tax quittance), the bills, fee and total, and the verification URL with its QR code.
 */
export async function receiptPdf(receipt: Receipt, locale: Locale, verifyUrl: string): Promise<Buffer> {
  const t = billMessages(locale);
  const rtl = locale === 'ar';
  const qr = await QRCode.toBuffer(verifyUrl, {
    type: 'png',
    margin: 1,
    width: 240,
    errorCorrectionLevel: 'M',
  });
  const doc = new PDFDocument({
    size: 'A4',
    margin: PAGE_MARGIN,
    info: {
      Title: `${receipt.biller.category === 'treasury' ? t.quittanceTitle : t.receiptTitle} ${receipt.number}`,
      Author: 'Tijara',
    },
  });
  doc.registerFont('arabic', ARABIC_FONT);
  doc.registerFont('arabic-bold', ARABIC_BOLD);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const left = PAGE_MARGIN;
  const width = doc.page.width - 2 * PAGE_MARGIN;
  const money = (amount: bigint) => formatMoney(amount, 'MAD', locale);
  let y = PAGE_MARGIN;

  line(doc, 'Tijara', left, y, width, { rtl, size: 12, bold: true });
  y += 28;
  const title = receipt.biller.category === 'treasury' ? t.quittanceTitle : t.receiptTitle;
  line(doc, title, left, y, width, { rtl, size: 20, bold: true });
  y += 36;

  // Label and value on one line each: label on the reading side, value on the other.
  const row = (label: string, value: string, bold = false) => {
    line(doc, label, left, y, width, { rtl, bold });
    line(doc, value, left, y, width, { rtl, bold, align: 'end' });
    y += 22;
  };
  // A grey rule across the page between two sections, with room after it.
  const separator = (spaceAfter: number) => {
    y += 10;
    doc
      .moveTo(left, y)
      .lineTo(left + width, y)
      .strokeColor('#999999')
      .stroke();
    y += spaceAfter;
  };
  row(t.receiptNumber, receipt.number, true);
  row(t.paidAt, formatDateTime(receipt.paidAt, locale));
  row(t.biller, receipt.biller.name[locale]);
  for (const field of receipt.biller.referenceFields) {
    row(field.label[locale], receipt.referenceValues[field.name] ?? '');
  }
  if (receipt.cardLast4) row(t.card, `${receipt.cardBrand ?? ''} **** ${receipt.cardLast4}`.trim());
  separator(12);

  line(doc, t.billsPaid, left, y, width, { rtl, size: 13, bold: true });
  y += 24;
  for (const l of receipt.lines) {
    const label = [l.description ?? l.externalId, l.period].filter(Boolean).join(' · ');
    row(label, money(l.amount));
  }
  y += 4;
  row(t.amount, money(receipt.billsAmount));
  row(t.fee, money(receipt.fee));
  row(t.total, money(receipt.charged), true);
  separator(16);

  if (receipt.status === 'refunded') {
    line(
      doc,
      fill(t.refunded, { date: formatDateTime(receipt.refundedAt ?? receipt.paidAt, locale) }),
      left,
      y,
      width,
      { rtl, bold: true },
    );
    y += 24;
  }
  line(doc, t.verifyAt, left, y, width, { rtl });
  y += 18;
  line(doc, verifyUrl, left, y, width, { rtl, size: 10 });
  y += 20;
  const qrSize = 120;
  doc.image(qr, rtl ? left + width - qrSize : left, y, { width: qrSize, height: qrSize });
  y += qrSize + 10;
  line(doc, t.genuine, left, y, width, { rtl, size: 9 });
  doc.end();
  return done;
}
