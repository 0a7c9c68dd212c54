import { type Organisation, type Role, roleAllowed, type User } from './model.js';

export type Permission =
  | 'payments.read'
  | 'payments.refund'
  | 'keys.manage'
  | 'webhooks.manage'
  | 'settlements.read'
  | 'cards.read'
  | 'cards.block'
  | 'cards.international'
  | 'merchants.review'
  | 'merchants.approve_high_risk'
  | 'risk.review'
  | 'sites.watch'
  | 'audit.read'
  | 'privacy.manage'
  | 'privacy.requests'
  | 'organisations.read'
  | 'organisations.manage'
  | 'supervision.handover';

/** What each role may do. Scope (this merchant's payments, this bank's cards) is the caller's to apply. */
export const permissionsByRole: Record<Role, readonly Permission[]> = {
  owner: [
    'payments.read',
    'payments.refund',
    'keys.manage',
    'webhooks.manage',
    'settlements.read',
    'privacy.requests',
  ],
  developer: ['payments.read', 'keys.manage', 'webhooks.manage'],
  accountant: ['payments.read', 'settlements.read'],
  operator: ['cards.read', 'cards.block', 'cards.international'],
  reviewer: ['merchants.review', 'risk.review', 'sites.watch', 'organisations.read'],
  senior_reviewer: [
    'merchants.review',
    'merchants.approve_high_risk',
    'risk.review',
    'sites.watch',
    'organisations.read',
  ],
  analyst: ['audit.read', 'sites.watch', 'organisations.read'],
  dpo: ['privacy.manage', 'audit.read', 'organisations.read'],
  admin: ['organisations.read', 'organisations.manage', 'supervision.handover', 'audit.read'],
};

/**
 * Whether this user, acting for this organisation, holds the permission. An authority's people hold
 * theirs only while it is the supervising organisation: a hand-over takes them away at once.
 */
export function can(user: User, organisation: Organisation, permission: Permission): boolean {
  if (user.disabledAt !== null || user.organisationId !== organisation.id) return false;
  if (!roleAllowed(organisation.kind, user.role)) return false;
  if (organisation.kind === 'authority' && !organisation.supervising) return false;
  return permissionsByRole[user.role].includes(permission);
}
