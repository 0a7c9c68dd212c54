import type { Selectable } from 'kysely';

/** Each kind of organisation and the roles its people may hold. */
export const rolesByKind = {
  merchant: ['owner', 'developer', 'accountant'],
  bank: ['operator'],
  authority: ['reviewer', 'senior_reviewer', 'analyst', 'dpo'],
  operator: ['admin'],
} as const;

export type OrganisationKind = keyof typeof rolesByKind;
export type Role = (typeof rolesByKind)[OrganisationKind][number];

export const organisationKinds = Object.keys(rolesByKind) as OrganisationKind[];

export function roleAllowed(kind: OrganisationKind, role: string): role is Role {
  return (rolesByKind[kind] as readonly string[]).includes(role);
}

/** Kinds whose people must sign in with a second factor: they act on other people's cards and businesses. */
export const totpRequiredKinds: readonly OrganisationKind[] = ['bank', 'authority'];

/** What a one-time link lets its holder do. */
export type LinkPurpose = 'invitation' | 'password_reset' | 'totp_enrolment';
/** The links whose holder chooses a password. */
export type PasswordLinkPurpose = Exclude<LinkPurpose, 'totp_enrolment'>;

export interface AuthTables {
  organisations: {
    id: string;
    kind: OrganisationKind;
    name: string;
    merchant_id: string | null;
    bank_id: string | null;
    created_at: Date;
  };
  users: {
    id: string;
    organisation_id: string;
    email: string;
    name: string;
    role: Role;
    password_hash: string | null;
    totp_secret_sealed: string | null;
    totp_pending_sealed: string | null;
    totp_enabled: boolean;
    totp_last_step: number | null;
    failed_attempts: number;
    locked_until: Date | null;
    disabled_at: Date | null;
    created_at: Date;
    last_sign_in_at: Date | null;
  };
  sessions: {
    id: string;
    user_id: string;
    created_at: Date;
    last_seen_at: Date;
    expires_at: Date;
    revoked_at: Date | null;
    ip: string | null;
    user_agent: string | null;
  };
  one_time_links: {
    token_hash: string;
    purpose: LinkPurpose;
    user_id: string;
    expires_at: Date;
    used_at: Date | null;
    created_at: Date;
  };
  supervision: {
    id: boolean;
    organisation_id: string;
    since: Date;
  };
}

export type UserRow = Selectable<AuthTables['users']>;
export type OrganisationRow = Selectable<AuthTables['organisations']>;
export type SessionRow = Selectable<AuthTables['sessions']>;

export interface Organisation {
  id: string;
  kind: OrganisationKind;
  name: string;
  /** For a merchant organisation: the merchant it is. */
  merchantId: string | null;
  /** For a bank: its issuer id at the switch. */
  bankId: string | null;
  createdAt: Date;
  /** True for the one authority that holds the supervising role now. */
  supervising: boolean;
}

/** A person who signs in. Secrets (password hash, TOTP) never leave the service. */
export interface User {
  id: string;
  organisationId: string;
  email: string;
  name: string;
  role: Role;
  /** False for an invited person who has not chosen a password yet. */
  hasPassword: boolean;
  totpEnabled: boolean;
  failedAttempts: number;
  lockedUntil: Date | null;
  disabledAt: Date | null;
  createdAt: Date;
  lastSignInAt: Date | null;
}

/** A signed-in session as the console sees it; the token itself is not kept anywhere. */
export interface Session {
  /** SHA-256 of the token. */
  id: string;
  userId: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  /** To put in every form; derived from the token, so it is stored nowhere. */
  csrfToken: string;
  ip: string | null;
  userAgent: string | null;
}

export function toOrganisation(row: OrganisationRow & { supervising: boolean }): Organisation {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    merchantId: row.merchant_id,
    bankId: row.bank_id,
    createdAt: row.created_at,
    supervising: row.supervising,
  };
}

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    organisationId: row.organisation_id,
    email: row.email,
    name: row.name,
    role: row.role,
    hasPassword: row.password_hash !== null,
    totpEnabled: row.totp_enabled,
    failedAttempts: row.failed_attempts,
    lockedUntil: row.locked_until,
    disabledAt: row.disabled_at,
    createdAt: row.created_at,
    lastSignInAt: row.last_sign_in_at,
  };
}

export function toSession(row: SessionRow, csrfToken: string): Session {
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
    csrfToken,
    ip: row.ip,
    userAgent: row.user_agent,
  };
}
