const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** An e-mail address as stored and compared (trimmed, lower-case), or undefined when it is not one. */
export function normaliseEmail(email: string): string | undefined {
  const normal = email.trim().toLowerCase();
  return normal.length <= 254 && EMAIL.test(normal) ? normal : undefined;
}
