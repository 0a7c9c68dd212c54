import type { ComponentChildren } from 'preact';
import { can, type Permission } from '../auth/permissions.js';
import type { AuthenticatedSession } from '../auth/service.js';
import type { Locale } from '../web/i18n.js';
import { fill } from '../web/i18n.js';
import { Page } from '../web/render.js';
import { consoleMessages } from './messages.js';

/**
 * The sections each kind of organisation sees; a link appears only when its page exists, and only to
 * the roles holding its permission (when it names one).
 */
export function navigationFor(
  signedIn: AuthenticatedSession,
): { href: string; label: keyof ReturnType<typeof consoleMessages>; permission?: Permission }[] {
  const { kind, supervising } = signedIn.organisation;
  if (kind === 'merchant')
    return [
      { href: '/console/payments', label: 'payments' },
      { href: '/console/webhooks', label: 'webhooks', permission: 'webhooks.manage' },
      { href: '/console/keys', label: 'apiKeys', permission: 'keys.manage' },
      { href: '/console/settlements', label: 'settlements', permission: 'settlements.read' },
      { href: '/console/privacy', label: 'privacyRequests', permission: 'privacy.requests' },
      { href: '/console/application', label: 'application' },
    ];
  if (kind === 'bank') return [{ href: '/console/cards', label: 'cards' }];
  if ((kind === 'authority' && supervising) || kind === 'operator')
    return [
      { href: '/console/audit', label: 'auditTrail', permission: 'audit.read' },
      { href: '/console/organisations', label: 'organisations', permission: 'organisations.read' },
      { href: '/console/supervision', label: 'supervision', permission: 'supervision.handover' },
      { href: '/console/cases', label: 'cases', permission: 'merchants.review' },
      { href: '/console/risk', label: 'riskAlerts', permission: 'risk.review' },
      { href: '/console/sites', label: 'watchedSites', permission: 'sites.watch' },
      { href: '/console/data-protection', label: 'dataProtection', permission: 'privacy.manage' },
    ];
  return [];
}

/** Every console page: the signed-in person, the sections of their role, and sign-out (a CSRF-protected POST). */
export function ConsolePage(props: {
  locale: Locale;
  path: string;
  title: string;
  signedIn: AuthenticatedSession;
  children: ComponentChildren;
}) {
  const t = consoleMessages(props.locale);
  const { user, organisation, session } = props.signedIn;
  return (
    <Page locale={props.locale} title={`${props.title} · Tijara`} path={props.path} wide>
      <nav aria-label="Console" class="console-nav">
        {navigationFor(props.signedIn)
          .filter((item) => !item.permission || can(user, organisation, item.permission))
          .map((item) => (
            <a
              href={`${item.href}?lang=${props.locale}`}
              key={item.href}
              aria-current={props.path.startsWith(item.href) ? 'page' : undefined}
            >
              {t[item.label]}
            </a>
          ))}
        <form method="post" action={`/console/sign-out?lang=${props.locale}`} class="inline">
          <input type="hidden" name="csrf" value={session.csrfToken} />
          <button type="submit" class="link">
            {t.signOut}
          </button>
        </form>
      </nav>
      <p class="note">
        {fill(t.welcome, { name: user.name, role: user.role, organisation: organisation.name })}
      </p>
      <h1>{props.title}</h1>
      {props.children}
    </Page>
  );
}
