/** What a supporting document may be: the declared type must agree with the file's first bytes. */
export const MAX_DOCUMENT_BYTES = 5 * 1024 * 1024;

const signatures: Record<string, number[]> = {
  'application/pdf': [0x25, 0x50, 0x44, 0x46, 0x2d], // %PDF-
  'image/png': [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  'image/jpeg': [0xff, 0xd8, 0xff],
};

export const acceptedDocumentTypes = Object.keys(signatures);

export type DocumentVerdict = { ok: true; contentType: string } | { ok: false; code: string; detail: string };

export function sniffDocument(declaredType: string, bytes: Buffer): DocumentVerdict {
  const declared = declaredType.split(';')[0]!.trim().toLowerCase();
  const signature = signatures[declared];
  if (!signature)
    return { ok: false, code: 'document_type', detail: `accepted: ${acceptedDocumentTypes.join(', ')}` };
  if (bytes.length === 0) return { ok: false, code: 'document_empty', detail: 'the file is empty' };
  if (bytes.length > MAX_DOCUMENT_BYTES)
    return {
      ok: false,
      code: 'document_too_large',
      detail: `at most ${MAX_DOCUMENT_BYTES / 1024 / 1024} MB`,
    };
  if (!signature.every((byte, i) => bytes[i] === byte))
    return { ok: false, code: 'document_content', detail: `the file's content is not ${declared}` };
  return { ok: true, contentType: declared };
}
