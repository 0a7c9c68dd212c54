/** Expected failures of the account operations, returned as values (sign-in has its own reasons). */
export const AuthError = {
  InvalidEmail: 'invalid_email',
  EmailTaken: 'email_taken',
  InvalidName: 'invalid_name',
  PasswordTooShort: 'password_too_short',
  PasswordTooLong: 'password_too_long',
  PasswordOnlyDigits: 'password_only_digits',
  RoleNotAllowed: 'role_not_allowed',
  UnknownOrganisation: 'unknown_organisation',
  InvalidOrganisation: 'invalid_organisation',
  OrganisationExists: 'organisation_exists',
  NotAnAuthority: 'not_an_authority',
  UnknownUser: 'unknown_user',
  InvalidLink: 'invalid_link',
  TotpNotStarted: 'totp_not_started',
  TotpInvalid: 'totp_invalid',
  InvalidTotpSecret: 'invalid_totp_secret',
} as const;
export type AuthError = (typeof AuthError)[keyof typeof AuthError];

export function isAuthError(value: unknown): value is AuthError {
  return typeof value === 'string' && (Object.values(AuthError) as string[]).includes(value);
}

/** What to tell the person, in a line (the console translates by code). */
export const authErrorMessage: Record<AuthError, string> = {
  invalid_email: 'this is not an email address',
  email_taken: 'an account with this email exists already',
  invalid_name: 'a name is required',
  password_too_short: 'a password has at least 12 characters',
  password_too_long: 'a password has at most 256 characters',
  password_only_digits: 'a password must not be only digits',
  role_not_allowed: 'this role does not exist for this kind of organisation',
  unknown_organisation: 'no such organisation',
  invalid_organisation:
    'a merchant organisation names its merchant, a bank its issuer id, and no other kind names either',
  organisation_exists: 'this merchant, bank or name has an organisation already',
  not_an_authority: 'only an authority can supervise',
  unknown_user: 'no such user',
  invalid_link: 'this link is unknown, used or expired',
  totp_not_started: 'start the authenticator enrolment first',
  totp_invalid: 'this code is not the one the authenticator shows',
  invalid_totp_secret: 'a TOTP secret is base32 of at least 16 bytes',
};
