import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { AuditEntry } from '../../audit/model.js';
import type { AuditLog } from '../../audit/service.js';
import type { Clock } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import { Problem } from '../../core/problem.js';
import { defaultSiteCheckConfig, type SiteCheckConfig } from '../../core/site-client.js';
import { moroccanDate } from '../../core/time.js';
import { formOnce } from '../../payments/idempotency.js';
import type { ScreeningHit, ScreeningPort, ScreeningSubject } from '../../screening/port.js';
import { enqueueEvent, type OutboxHandler } from '../../store/outbox.js';
import { inTransaction, ownTables, type SharedDb, type SharedStore } from '../../store/store.js';
import { personalData, RESEAL_BATCH, resealInBatches } from '../../vault/personal-data.js';
import type { MerchantService } from '../service.js';
import { domainControlCheck } from './checks/domain-control.js';
import { duplicatesCheck } from './checks/duplicates.js';
import { identifiersCheck } from './checks/identifiers.js';
import { screeningCheck } from './checks/screening.js';
import { tlsCheck } from './checks/tls.js';
import { type Check, type CheckOutcome, expectedSubjects } from './checks/types.js';
import { type DocumentVerdict, sniffDocument } from './documents.js';
import {
  type ApplicationInput,
  type ApplicationRow,
  type CaseFile,
  type CaseKind,
  type CaseRow,
  type CaseState,
  type CheckKind,
  closedStates,
  type DocumentKind,
  type DocumentRow,
  type HitVerdict,
  type OnboardingTables,
  type OwnerRow,
} from './model.js';
import { type IdentityVault, ownerIdentity } from './owner-identity.js';
import { needsFourEyes, riskLevel } from './risk.js';
import { type ApplicationBody, parseApplication } from './validation.js';

const CHECKS_TOPIC = 'onboarding.checks';
const WATCH_TOPIC = 'onboarding.watch';
const checkKinds: readonly CheckKind[] = ['identifiers', 'duplicates', 'domain_control', 'tls', 'screening'];

/** A person of the supervising authority acting on a case; `senior` holds merchants.approve_high_risk. */
export interface Reviewer {
  id: string;
  organisationId: string;
  senior: boolean;
  ip?: string | null;
  requestId?: string | null;
}

/** Who acts for the merchant: a console user, or a secret key. */
export interface MerchantActor {
  type: 'user' | 'api_key';
  id: string;
  organisationId?: string | null;
  ip?: string | null;
  requestId?: string | null;
}

export type Decision = 'approve' | 'reject' | 'request_information' | 'escalate';

export interface CaseSummary {
  case: CaseRow;
  merchantName: string;
  companyName: string | null;
  pendingChecks: number;
}

export interface OnboardingService {
  /** In the caller's transaction when given one (the API's idempotency claim commits with it). */
  submit(
    merchantId: string,
    body: ApplicationBody,
    actor: MerchantActor,
    db?: SharedDb,
  ): Promise<ApplicationRow | Problem>;
  /** The merchant's latest application and its case, as the merchant may see them. */
  currentFile(merchantId: string, db?: SharedDb): Promise<CaseFile | undefined>;
  addDocument(
    merchantId: string,
    input: { kind: DocumentKind; declaredType: string; bytes: Buffer },
    actor: MerchantActor,
  ): Promise<Omit<DocumentRow, 'content_sealed'> | Problem>;
  /** The merchant answers a request for information; the case goes back to the reviewers. */
  respond(merchantId: string, message: string, actor: MerchantActor): Promise<CaseRow | Problem>;
  /** Runs every automated check of an application and stores each result (the outbox handler calls it). */
  runChecks(applicationId: string): Promise<void>;
  listCases(filter?: { open?: boolean }): Promise<CaseSummary[]>;
  caseFile(caseId: string): Promise<CaseFile | undefined>;
  decide(caseId: string, reviewer: Reviewer, decision: Decision, note?: string): Promise<CaseRow | Problem>;
  markHit(caseId: string, hitId: string, reviewer: Reviewer, verdict: HitVerdict): Promise<CaseRow | Problem>;
  /** Runs the automated checks again (after the merchant published its domain proof, fixed its site…). */
  recheck(caseId: string, reviewer: Reviewer): Promise<CaseRow | Problem>;
  /** Suspends at once (live API and console data closed) and opens the reinstatement case. */
  suspend(merchantId: string, reviewer: Reviewer, reason: string): Promise<CaseRow | Problem>;
  openDocument(
    caseId: string,
    documentId: string,
    reviewer: Reviewer,
  ): Promise<{ contentType: string; bytes: Buffer; kind: DocumentKind } | Problem>;
  /** Creates a live key for an approved merchant; the secret is shown once. */
  /** `once`: the form's one-time token (idempotency.ts formOnce); a second POST of it creates nothing. */
  createLiveKey(
    merchantId: string,
    actor: MerchantActor,
    once?: string,
  ): Promise<{ secret: string; hint: string } | Problem>;
  /**
   * Seals in place the owners' identity numbers and birth dates stored in clear before migration 0020
   * (law 09-08), gives them the fingerprint duplicates are found by, and takes the numbers out of
   * duplicates findings written before. Safe to run twice, or on two processes at once. Returns how
   * many owners it read and findings it rewrote.
   */
  sealStoredPersonalData(): Promise<number>;
  outboxHandlers: OutboxHandler[];
}

export interface OnboardingDeps {
  store: SharedStore;
  merchants: MerchantService;
  audit: AuditLog;
  vault: IdentityVault;
  screening: ScreeningPort;
  clock: Clock;
  logger: Logger;
  siteChecks?: SiteCheckConfig;
}

export const onboardingProblems = {
  notFound: (what: string) => new Problem(404, 'not_found', 'Not found', `${what} does not exist`),
  invalid: (errors: { field: string; code: string; detail: string }[]) =>
    new Problem(
      422,
      'invalid_application',
      'Invalid application',
      errors.map((e) => `${e.field}: ${e.detail}`).join('; '),
      { errors },
    ),
  applicationExists: () =>
    new Problem(
      409,
      'application_exists',
      'Application already filed',
      'this merchant has an application in review or approved',
    ),
  caseClosed: (state: CaseState) => new Problem(409, 'case_closed', 'Case closed', `this case is ${state}`),
  awaitingMerchant: () =>
    new Problem(
      409,
      'awaiting_merchant',
      'Waiting for the merchant',
      'information was requested from the merchant',
    ),
  checksPending: () =>
    new Problem(
      409,
      'checks_pending',
      'Checks still running',
      'wait until every automated check has a result',
    ),
  sanctionsMatch: () =>
    new Problem(
      409,
      'sanctions_match',
      'Confirmed watchlist match',
      'a screening hit was confirmed as a true match',
    ),
  sameReviewer: () =>
    new Problem(
      403,
      'four_eyes_same_reviewer',
      'A second reviewer is needed',
      'the second approval must come from another reviewer',
    ),
  seniorRequired: () =>
    new Problem(
      403,
      'four_eyes_senior_required',
      'A senior reviewer is needed',
      'the second approval of this case needs a senior reviewer',
    ),
  notAsked: () =>
    new Problem(409, 'no_information_requested', 'Nothing asked', 'no information is requested on this case'),
  liveKeyAlreadyCreated: () =>
    new Problem(
      409,
      'form_already_sent',
      'Live key already created',
      'this form was already sent: its live key was created then and its secret shown once; if you did not copy it, revoke that key and create another',
    ),
  notApproved: () =>
    new Problem(
      403,
      'merchant_not_approved',
      'Merchant not approved',
      'live keys exist only for approved merchants',
    ),
  document: (verdict: Exclude<DocumentVerdict, { ok: true }>) =>
    new Problem(422, verdict.code, 'Document refused', verdict.detail),
  notSuspendable: (status: string) =>
    new Problem(
      409,
      'merchant_not_active',
      'Merchant not active',
      `a ${status} merchant cannot be suspended`,
    ),
};

/** A duplicates finding as written before documents were sealed: kind, number, (name). */
const OLD_DUPLICATE_FINDING = String.raw`(CIN|PASSPORT) \S+ \(([^)]*)\) also on`;
const NEW_DUPLICATE_FINDING = String.raw`the \1 of \2 also on`;

export function createOnboardingService(deps: OnboardingDeps): OnboardingService {
  const { store, clock, logger } = deps;
  const tables = (db?: SharedDb) => ownTables<OnboardingTables>(db ?? store.db);
  const siteConfig = deps.siteChecks ?? defaultSiteCheckConfig;
  const identity = ownerIdentity(deps.vault);
  const personal = personalData(deps.vault);
  const checks: Check[] = [
    identifiersCheck,
    duplicatesCheck({ db: () => tables(), merchants: deps.merchants }),
    domainControlCheck(siteConfig),
    tlsCheck(siteConfig),
    screeningCheck(deps.screening),
  ];

  async function loadApplication(id: string, db?: SharedDb) {
    const application = await tables(db)
      .selectFrom('onboarding_applications')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!application) return undefined;
    const stored = await tables(db)
      .selectFrom('onboarding_owners')
      .selectAll()
      .where('application_id', '=', id)
      .orderBy('position')
      .execute();
    const owners = await Promise.all(stored.map((row) => identity.open(row, db)));
    return { application, owners };
  }

  async function latestApplication(merchantId: string, db?: SharedDb) {
    return tables(db)
      .selectFrom('onboarding_applications')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .orderBy('submitted_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  async function applicationCase(applicationId: string, db?: SharedDb) {
    return tables(db)
      .selectFrom('onboarding_cases')
      .selectAll()
      .where('application_id', '=', applicationId)
      .where('kind', '=', 'application')
      .executeTakeFirst();
  }

  async function loadCaseFile(caseRow: CaseRow, db?: SharedDb): Promise<CaseFile> {
    const t = tables(db);
    const loaded = caseRow.application_id ? await loadApplication(caseRow.application_id, db) : undefined;
    const [checkRows, hits, documents, transitions] = await Promise.all([
      caseRow.application_id && caseRow.kind === 'application'
        ? t
            .selectFrom('onboarding_checks')
            .selectAll()
            .where('application_id', '=', caseRow.application_id)
            .orderBy('kind')
            .orderBy('subject')
            .execute()
        : Promise.resolve([]),
      t
        .selectFrom('onboarding_screening_hits')
        .selectAll()
        .where('case_id', '=', caseRow.id)
        .orderBy('score', 'desc')
        .execute(),
      caseRow.application_id
        ? t
            .selectFrom('onboarding_documents')
            .select(['id', 'application_id', 'kind', 'content_type', 'size_bytes', 'sha256', 'uploaded_at'])
            .where('application_id', '=', caseRow.application_id)
            .orderBy('uploaded_at')
            .execute()
        : Promise.resolve([]),
      t
        .selectFrom('onboarding_case_transitions')
        .selectAll()
        .where('case_id', '=', caseRow.id)
        .orderBy('id')
        .execute(),
    ]);
    return {
      case: caseRow,
      application: loaded?.application,
      owners: loaded?.owners ?? [],
      checks: checkRows,
      hits,
      documents,
      transitions,
    };
  }

  /** Moves a case to a state, recording the transition so time in each state can be measured. */
  async function moveCase(
    trx: SharedDb,
    caseRow: CaseRow,
    to: CaseState,
    actorId: string,
    note: string | null,
    changes: Partial<Omit<CaseRow, 'id' | 'state' | 'state_since'>> = {},
  ): Promise<CaseRow> {
    const now = clock.now();
    const updated = await tables(trx)
      .updateTable('onboarding_cases')
      .set({ ...changes, state: to, state_since: now })
      .where('id', '=', caseRow.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await tables(trx)
      .insertInto('onboarding_case_transitions')
      .values({
        case_id: caseRow.id,
        from_state: caseRow.state,
        to_state: to,
        actor_id: actorId,
        note,
        at: now,
      })
      .execute();
    if (updated.kind === 'application' && updated.application_id) {
      const status =
        to === 'approved'
          ? 'approved'
          : to === 'rejected'
            ? 'rejected'
            : to === 'information_requested'
              ? 'information_requested'
              : 'submitted';
      await tables(trx)
        .updateTable('onboarding_applications')
        .set({ status, updated_at: now })
        .where('id', '=', updated.application_id)
        .execute();
    }
    return updated;
  }

  async function openCase(
    trx: SharedDb,
    input: {
      merchantId: string;
      applicationId: string | null;
      kind: CaseKind;
      actorId: string;
      note: string | null;
    },
  ): Promise<CaseRow> {
    const now = clock.now();
    const row = await tables(trx)
      .insertInto('onboarding_cases')
      .values({
        id: newId('cas', now.getTime()),
        merchant_id: input.merchantId,
        application_id: input.applicationId,
        kind: input.kind,
        risk_level: input.kind === 'application' ? 'medium' : 'high',
        information_request: null,
        merchant_response: null,
        first_approval_by: null,
        first_approval_at: null,
        decided_by: null,
        decided_at: null,
        opened_at: now,
        state_since: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await tables(trx)
      .insertInto('onboarding_case_transitions')
      .values({
        case_id: row.id,
        from_state: null,
        to_state: 'open',
        actor_id: input.actorId,
        note: input.note,
        at: now,
      })
      .execute();
    return row;
  }

  async function refreshRisk(trx: SharedDb, caseRow: CaseRow): Promise<CaseRow> {
    const file = await loadCaseFile(caseRow, trx);
    const level = riskLevel({
      kind: caseRow.kind,
      checks: file.checks,
      hits: file.hits,
      expectedMonthlyVolume: file.application?.expected_monthly_volume ?? 0n,
    });
    if (level === caseRow.risk_level) return caseRow;
    return tables(trx)
      .updateTable('onboarding_cases')
      .set({ risk_level: level })
      .where('id', '=', caseRow.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async function addHits(
    trx: SharedDb,
    caseId: string,
    hits: { subjectReference: string; subjectName: string; hit: ScreeningHit }[],
  ) {
    for (const { subjectReference, subjectName, hit } of hits) {
      await tables(trx)
        .insertInto('onboarding_screening_hits')
        .values({
          id: newId('hit'),
          case_id: caseId,
          subject_reference: subjectReference,
          subject_name: subjectName,
          entry_id: hit.entryId,
          entry_version: hit.entryVersion,
          list_name: hit.list.name,
          entry_name: hit.name,
          matched_name: hit.matchedName,
          score: hit.score,
          explanation: JSON.stringify(hit.explanation),
          verdict: null,
          verdict_by: null,
          verdict_at: null,
        })
        .onConflict((oc) =>
          oc.columns(['case_id', 'subject_reference', 'entry_id', 'entry_version']).doNothing(),
        )
        .execute();
    }
  }

  type RecordedAction = Pick<AuditEntry, 'action' | 'target' | 'details'>;
  /** Records what a reviewer did, in the transaction that did it (if any). */
  const recordReviewerAction = (reviewer: Reviewer, db: SharedDb | undefined, entry: RecordedAction) =>
    deps.audit.append(
      {
        actor: { type: 'user', id: reviewer.id, organisationId: reviewer.organisationId },
        ip: reviewer.ip ?? null,
        requestId: reviewer.requestId ?? null,
        ...entry,
      },
      db,
    );
  /** Records what a merchant's person or key did to its file, in the transaction that did it. */
  const recordMerchantAction = (actor: MerchantActor, db: SharedDb, entry: RecordedAction) =>
    deps.audit.append(
      {
        actor: { type: actor.type, id: actor.id, organisationId: actor.organisationId ?? null },
        ip: actor.ip ?? null,
        requestId: actor.requestId ?? null,
        ...entry,
      },
      db,
    );

  /** Marks every check of the application pending again and asks the worker to run them. */
  async function requestChecks(trx: SharedDb, applicationId: string) {
    await tables(trx)
      .updateTable('onboarding_checks')
      .set({ result: 'pending', explanation: '', checked_at: null })
      .where('application_id', '=', applicationId)
      .execute();
    await enqueueEvent(trx, CHECKS_TOPIC, { applicationId });
  }

  async function submit(merchantId: string, body: ApplicationBody, actor: MerchantActor, db?: SharedDb) {
    const parsed = parseApplication(body, moroccanDate(clock.now()));
    if (!parsed.ok) return onboardingProblems.invalid(parsed.errors);
    const input: ApplicationInput = parsed.input;
    return inTransaction(store, db, async (trx): Promise<ApplicationRow | Problem> => {
      const previous = await latestApplication(merchantId, trx);
      if (previous && previous.status !== 'rejected') return onboardingProblems.applicationExists();
      const now = clock.now();
      const application = await tables(trx)
        .insertInto('onboarding_applications')
        .values({
          id: newId('app', now.getTime()),
          merchant_id: merchantId,
          company_name: input.company.name,
          legal_form: input.company.legalForm,
          ice: input.company.ice,
          rc_number: input.company.rcNumber,
          rc_court: input.company.rcCourt,
          tax_id: input.company.taxId,
          address: input.company.address,
          sector: input.company.sector,
          domains: JSON.stringify(input.domains),
          expected_monthly_volume: input.expectedMonthlyVolume,
          rib: input.rib,
          verification_token: randomBytes(16).toString('hex'),
          submitted_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const owners: OwnerRow[] = [];
      for (const [position, o] of input.owners.entries()) {
        const clear = { id_kind: o.idKind, id_number: o.idNumber, birth_date: o.birthDate };
        const stored = await tables(trx)
          .insertInto('onboarding_owners')
          .values({
            id: newId('own'),
            application_id: application.id,
            latin_name: o.latinName,
            arabic_name: o.arabicName,
            ...clear,
            ...(await identity.seal(clear, trx)),
            nationality: o.nationality,
            share_bps: o.shareBps,
            beneficial: o.beneficial,
            position,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        owners.push({ ...stored, ...clear });
      }
      // Every check shows "pending" until the worker has run it: the submission answers at once.
      for (const kind of checkKinds)
        for (const subject of expectedSubjects(kind, { application, owners }))
          await tables(trx)
            .insertInto('onboarding_checks')
            .values({ id: newId('chk'), application_id: application.id, kind, subject, checked_at: null })
            .onConflict((oc) => oc.doNothing())
            .execute();
      const caseRow = await openCase(trx, {
        merchantId,
        applicationId: application.id,
        kind: 'application',
        actorId: actor.id,
        note: null,
      });
      await requestChecks(trx, application.id);
      await recordMerchantAction(actor, trx, {
        action: 'onboarding.application.submit',
        target: { type: 'onboarding_application', id: application.id },
        details: { merchant: merchantId, case: caseRow.id, domains: input.domains },
      });
      return application;
    });
  }

  async function runChecks(applicationId: string) {
    const loaded = await loadApplication(applicationId);
    if (!loaded) return;
    // The network checks run outside any transaction: a slow site must not hold database locks.
    const outcomes: CheckOutcome[] = (
      await Promise.all(
        checks.map((check) =>
          check(loaded).catch((error: Error): CheckOutcome[] => {
            logger.warn({ err: error.message, application: applicationId }, 'onboarding check crashed');
            return [];
          }),
        ),
      )
    ).flat();
    await store.transaction(async (trx) => {
      const now = clock.now();
      for (const outcome of outcomes) {
        await tables(trx)
          .insertInto('onboarding_checks')
          .values({
            id: newId('chk'),
            application_id: applicationId,
            kind: outcome.kind,
            subject: outcome.subject,
            result: outcome.result,
            explanation: outcome.explanation,
            checked_at: now,
          })
          .onConflict((oc) =>
            oc.columns(['application_id', 'kind', 'subject']).doUpdateSet({
              result: outcome.result,
              explanation: outcome.explanation,
              checked_at: now,
            }),
          )
          .execute();
      }
      const caseRow = await applicationCase(applicationId, trx);
      if (!caseRow) return;
      await addHits(
        trx,
        caseRow.id,
        outcomes.flatMap((o) => o.hits ?? []),
      );
      await refreshRisk(trx, caseRow);
    });
  }

  /** The case, locked until the transaction ends, while it is still open; a problem otherwise. */
  async function lockOpenCase(trx: SharedDb, caseId: string): Promise<CaseRow | Problem> {
    const caseRow = await tables(trx)
      .selectFrom('onboarding_cases')
      .selectAll()
      .where('id', '=', caseId)
      .forUpdate()
      .executeTakeFirst();
    if (!caseRow) return onboardingProblems.notFound(`case ${caseId}`);
    if (closedStates.includes(caseRow.state)) return onboardingProblems.caseClosed(caseRow.state);
    return caseRow;
  }

  async function decide(caseId: string, reviewer: Reviewer, decision: Decision, note?: string) {
    return store.transaction(async (trx): Promise<CaseRow | Problem> => {
      const caseRow = await lockOpenCase(trx, caseId);
      if (caseRow instanceof Problem) return caseRow;
      const file = await loadCaseFile(caseRow, trx);
      const audit = (action: string, details: Record<string, unknown> = {}) =>
        recordReviewerAction(reviewer, trx, {
          action: `onboarding.case.${action}`,
          target: { type: 'onboarding_case', id: caseRow.id },
          details: {
            merchant: caseRow.merchant_id,
            kind: caseRow.kind,
            risk: caseRow.risk_level,
            ...(note ? { note } : {}),
            ...details,
          },
        });

      if (decision === 'request_information') {
        const updated = await moveCase(trx, caseRow, 'information_requested', reviewer.id, note ?? null, {
          information_request: note?.trim() || null,
        });
        await audit('request_information');
        return updated;
      }
      if (decision === 'escalate') {
        const updated = await moveCase(trx, caseRow, 'escalated', reviewer.id, note ?? null, {
          escalated: true,
        });
        await audit('escalate');
        return updated;
      }
      if (decision === 'reject') {
        const updated = await moveCase(trx, caseRow, 'rejected', reviewer.id, note ?? null, {
          decided_by: reviewer.id,
          decided_at: clock.now(),
        });
        if (caseRow.kind === 'application')
          await deps.merchants.setStatus(caseRow.merchant_id, 'rejected', trx);
        if (caseRow.kind === 'screening_hit')
          await suspendIn(trx, caseRow.merchant_id, reviewer, note ?? 'confirmed watchlist match');
        await audit('reject');
        return updated;
      }

      // approve
      if (caseRow.state === 'information_requested') return onboardingProblems.awaitingMerchant();
      if (file.checks.some((c) => c.result === 'pending')) return onboardingProblems.checksPending();
      if (file.hits.some((h) => h.verdict === 'true_match')) return onboardingProblems.sanctionsMatch();
      const fourEyes = needsFourEyes({
        riskLevel: caseRow.risk_level,
        escalated: caseRow.escalated,
        hits: file.hits,
      });
      if (fourEyes && caseRow.state !== 'awaiting_second_review') {
        const updated = await moveCase(trx, caseRow, 'awaiting_second_review', reviewer.id, note ?? null, {
          first_approval_by: reviewer.id,
          first_approval_at: clock.now(),
        });
        await audit('approve_first', { four_eyes: true });
        return updated;
      }
      if (fourEyes) {
        if (caseRow.first_approval_by === reviewer.id) return onboardingProblems.sameReviewer();
        if (!reviewer.senior) return onboardingProblems.seniorRequired();
      }
      const updated = await moveCase(trx, caseRow, 'approved', reviewer.id, note ?? null, {
        decided_by: reviewer.id,
        decided_at: clock.now(),
      });
      if (caseRow.kind !== 'screening_hit')
        await deps.merchants.setStatus(caseRow.merchant_id, 'active', trx);
      if (caseRow.kind === 'application' && file.application) {
        const subjects: ScreeningSubject[] = [
          {
            reference: file.application.id,
            kind: 'organisation',
            name: file.application.company_name,
            merchantId: caseRow.merchant_id,
          },
          ...file.owners.map((o) => ({
            reference: o.id,
            kind: 'person' as const,
            name: o.latin_name,
            alternateName: o.arabic_name,
            // Sealed in the outbox row too: it outlives the delivery (law 09-08).
            birthDate: o.birth_date,
            nationality: o.nationality,
            merchantId: caseRow.merchant_id,
          })),
        ];
        for (const subject of subjects)
          subject.birthDate = await personal.seal(subject.birthDate ?? null, trx);
        // Watched through the outbox: the approval commits even if screening is briefly away.
        await enqueueEvent(trx, WATCH_TOPIC, { subjects });
      }
      await audit(fourEyes ? 'approve_second' : 'approve', {
        four_eyes: fourEyes,
        first_approval_by: caseRow.first_approval_by,
      });
      return updated;
    });
  }

  async function suspendIn(
    trx: SharedDb,
    merchantId: string,
    reviewer: Reviewer,
    reason: string,
  ): Promise<CaseRow> {
    await deps.merchants.setStatus(merchantId, 'suspended', trx);
    const caseRow = await openCase(trx, {
      merchantId,
      applicationId: (await latestApplication(merchantId, trx))?.id ?? null,
      kind: 'reinstatement',
      actorId: reviewer.id,
      note: reason,
    });
    await recordReviewerAction(reviewer, trx, {
      action: 'merchant.suspend',
      target: { type: 'merchant', id: merchantId },
      details: { reason, reinstatement_case: caseRow.id },
    });
    return caseRow;
  }

  async function openScreeningCase(subject: ScreeningSubject, hit: ScreeningHit) {
    await store.transaction(async (trx) => {
      const caseRow = await openCase(trx, {
        merchantId: subject.merchantId,
        applicationId: (await latestApplication(subject.merchantId, trx))?.id ?? null,
        kind: 'screening_hit',
        actorId: 'system',
        note: `re-screening: ${subject.name} ~ ${hit.name} (${hit.list.name})`,
      });
      await addHits(trx, caseRow.id, [
        { subjectReference: subject.reference, subjectName: subject.name, hit },
      ]);
      await deps.audit.append(
        {
          actor: { type: 'system', id: 'screening' },
          action: 'onboarding.case.open',
          target: { type: 'onboarding_case', id: caseRow.id },
          details: {
            merchant: subject.merchantId,
            kind: 'screening_hit',
            entry: hit.entryId,
            score: hit.score,
          },
        },
        trx,
      );
    });
  }
  deps.screening.onNewHit(openScreeningCase);

  return {
    submit,
    runChecks,
    decide,

    async sealStoredPersonalData() {
      const owners = await resealInBatches(
        '',
        (after) =>
          tables()
            .selectFrom('onboarding_owners')
            .select(['id', 'id_kind', 'id_number', 'birth_date'])
            .where('id', '>', after)
            .where('id_fingerprint', 'is', null)
            .orderBy('id')
            .limit(RESEAL_BATCH)
            .execute(),
        (owner) => owner.id,
        async (owner) => {
          // Only if still in clear: a row written meanwhile was sealed by the code that wrote it.
          await tables()
            .updateTable('onboarding_owners')
            .set(await identity.seal(owner))
            .where('id', '=', owner.id)
            .where('id_fingerprint', 'is', null)
            .execute();
        },
      );
      // Duplicates findings once named the document: "CIN AB123 (Name) also on …" becomes
      // "the CIN of Name also on …", as the check now writes it.
      const explanations = await tables()
        .updateTable('onboarding_checks')
        .set({
          explanation: sql<string>`regexp_replace(explanation, ${OLD_DUPLICATE_FINDING}, ${NEW_DUPLICATE_FINDING}, 'g')`,
        })
        .where('kind', '=', 'duplicates')
        .where(sql<boolean>`explanation ~ ${OLD_DUPLICATE_FINDING}`)
        .executeTakeFirst();
      return owners + Number(explanations.numUpdatedRows);
    },

    async currentFile(merchantId, db) {
      const application = await latestApplication(merchantId, db);
      if (!application) return undefined;
      const caseRow = await applicationCase(application.id, db);
      return caseRow ? loadCaseFile(caseRow, db) : undefined;
    },

    async addDocument(merchantId, input, actor) {
      const verdict = sniffDocument(input.declaredType, input.bytes);
      if (!verdict.ok) return onboardingProblems.document(verdict);
      return store.transaction(async (trx) => {
        const application = await latestApplication(merchantId, trx);
        if (!application) return onboardingProblems.notFound('an application of this merchant');
        if (application.status === 'approved' || application.status === 'rejected')
          return onboardingProblems.caseClosed(application.status);
        const row = await tables(trx)
          .insertInto('onboarding_documents')
          .values({
            id: newId('doc'),
            application_id: application.id,
            kind: input.kind,
            content_type: verdict.contentType,
            size_bytes: input.bytes.length,
            sha256: createHash('sha256').update(input.bytes).digest('hex'),
            content_sealed: await deps.vault.sealSecret(input.bytes.toString('base64'), trx),
            uploaded_at: clock.now(),
          })
          .returning(['id', 'application_id', 'kind', 'content_type', 'size_bytes', 'sha256', 'uploaded_at'])
          .executeTakeFirstOrThrow();
        await recordMerchantAction(actor, trx, {
          action: 'onboarding.document.upload',
          target: { type: 'onboarding_document', id: row.id },
          details: {
            application: application.id,
            kind: row.kind,
            size: row.size_bytes,
            sha256: row.sha256,
          },
        });
        return row;
      });
    },

    async respond(merchantId, message, actor) {
      return store.transaction(async (trx) => {
        const application = await latestApplication(merchantId, trx);
        const caseRow = application && (await applicationCase(application.id, trx));
        if (!caseRow) return onboardingProblems.notFound('an application of this merchant');
        if (caseRow.state !== 'information_requested') return onboardingProblems.notAsked();
        const updated = await moveCase(
          trx,
          caseRow,
          caseRow.escalated ? 'escalated' : 'open',
          actor.id,
          message,
          {
            merchant_response: message,
          },
        );
        // The answer often comes with a fix (a published domain proof, a certificate): check again.
        await requestChecks(trx, application.id);
        await recordMerchantAction(actor, trx, {
          action: 'onboarding.case.respond',
          target: { type: 'onboarding_case', id: caseRow.id },
          details: { merchant: merchantId },
        });
        return updated;
      });
    },

    async listCases(filter = {}) {
      const rows = await tables()
        .selectFrom('onboarding_cases as c')
        .leftJoin('onboarding_applications as a', 'a.id', 'c.application_id')
        .selectAll('c')
        .select(['a.company_name'])
        // Written as literals, so that every plan can use the index of open cases (migration 0019).
        .$if(filter.open === true, (q) =>
          q.where(
            'c.state',
            'not in',
            closedStates.map((state) => sql.lit(state)),
          ),
        )
        .orderBy('c.opened_at', 'desc')
        .limit(200)
        .execute();
      // Only the listed cases' checks: counting every pending check read the whole table.
      const listed = [...new Set(rows.map((row) => row.application_id).filter((id) => id !== null))];
      const pending =
        listed.length === 0
          ? []
          : await tables()
              .selectFrom('onboarding_checks')
              .select(['application_id'])
              .select((eb) => eb.fn.countAll<string>().as('n'))
              .where('application_id', 'in', listed)
              .where('result', '=', 'pending')
              .groupBy('application_id')
              .execute();
      const pendingBy = new Map(pending.map((p) => [p.application_id, Number(p.n)]));
      const names = new Map<string, string>();
      for (const row of rows)
        if (!names.has(row.merchant_id))
          names.set(
            row.merchant_id,
            (await deps.merchants.getMerchant(row.merchant_id))?.name ?? row.merchant_id,
          );
      return rows.map(({ company_name, ...caseRow }) => ({
        case: caseRow,
        merchantName: names.get(caseRow.merchant_id) ?? caseRow.merchant_id,
        companyName: company_name,
        pendingChecks:
          caseRow.kind === 'application' && caseRow.application_id
            ? (pendingBy.get(caseRow.application_id) ?? 0)
            : 0,
      }));
    },

    async caseFile(caseId) {
      const caseRow = await tables()
        .selectFrom('onboarding_cases')
        .selectAll()
        .where('id', '=', caseId)
        .executeTakeFirst();
      return caseRow ? loadCaseFile(caseRow) : undefined;
    },

    async recheck(caseId, reviewer) {
      return store.transaction(async (trx) => {
        const caseRow = await tables(trx)
          .selectFrom('onboarding_cases')
          .selectAll()
          .where('id', '=', caseId)
          .executeTakeFirst();
        if (!caseRow?.application_id || caseRow.kind !== 'application')
          return onboardingProblems.notFound(`application case ${caseId}`);
        if (closedStates.includes(caseRow.state)) return onboardingProblems.caseClosed(caseRow.state);
        await requestChecks(trx, caseRow.application_id);
        await recordReviewerAction(reviewer, trx, {
          action: 'onboarding.case.recheck',
          target: { type: 'onboarding_case', id: caseId },
          details: { merchant: caseRow.merchant_id },
        });
        return caseRow;
      });
    },

    async markHit(caseId, hitId, reviewer, verdict) {
      return store.transaction(async (trx) => {
        const caseRow = await lockOpenCase(trx, caseId);
        if (caseRow instanceof Problem) return caseRow;
        const hit = await tables(trx)
          .updateTable('onboarding_screening_hits')
          .set({ verdict, verdict_by: reviewer.id, verdict_at: clock.now() })
          .where('id', '=', hitId)
          .where('case_id', '=', caseId)
          .returningAll()
          .executeTakeFirst();
        if (!hit) return onboardingProblems.notFound(`hit ${hitId}`);
        await recordReviewerAction(reviewer, trx, {
          action: 'onboarding.hit.mark',
          target: { type: 'onboarding_case', id: caseId },
          details: { hit: hitId, verdict, entry: hit.entry_id, subject: hit.subject_name },
        });
        return refreshRisk(trx, caseRow);
      });
    },

    async suspend(merchantId, reviewer, reason) {
      return store.transaction(async (trx) => {
        const merchant = await deps.merchants.getMerchant(merchantId, trx);
        if (!merchant) return onboardingProblems.notFound(`merchant ${merchantId}`);
        if (merchant.status !== 'active') return onboardingProblems.notSuspendable(merchant.status);
        return suspendIn(trx, merchantId, reviewer, reason);
      });
    },

    async openDocument(caseId, documentId, reviewer) {
      const caseRow = await tables()
        .selectFrom('onboarding_cases')
        .selectAll()
        .where('id', '=', caseId)
        .executeTakeFirst();
      if (!caseRow?.application_id) return onboardingProblems.notFound(`case ${caseId}`);
      const row = await tables()
        .selectFrom('onboarding_documents')
        .selectAll()
        .where('id', '=', documentId)
        .where('application_id', '=', caseRow.application_id)
        .executeTakeFirst();
      if (!row) return onboardingProblems.notFound(`document ${documentId}`);
      // Reading an identity document is itself a supervisory act.
      await recordReviewerAction(reviewer, undefined, {
        action: 'onboarding.document.read',
        target: { type: 'onboarding_document', id: row.id },
        details: { case: caseId, kind: row.kind },
      });
      const bytes = Buffer.from(await deps.vault.openSecret(row.content_sealed), 'base64');
      return { contentType: row.content_type, bytes, kind: row.kind };
    },

    async createLiveKey(merchantId, actor, once) {
      return store.transaction(async (trx) => {
        const merchant = await deps.merchants.getMerchant(merchantId, trx);
        if (merchant?.status !== 'active') return onboardingProblems.notApproved();
        if (once && !(await formOnce.claim(trx, { merchantId, livemode: true }, 'live_key', once)))
          return onboardingProblems.liveKeyAlreadyCreated();
        const { apiKey, secret } = await deps.merchants.createApiKey(
          merchantId,
          true,
          { label: 'live' },
          trx,
        );
        await recordMerchantAction(actor, trx, {
          action: 'merchant.live_key.create',
          target: { type: 'api_key', id: apiKey.id },
          details: { merchant: merchantId, hint: apiKey.hint },
        });
        return { secret, hint: apiKey.hint };
      });
    },

    outboxHandlers: [
      {
        topic: CHECKS_TOPIC,
        maxAttempts: 5,
        async deliver(event) {
          await runChecks((event.payload as { applicationId: string }).applicationId);
        },
      },
      {
        topic: WATCH_TOPIC,
        async deliver(event) {
          const { subjects } = event.payload as { subjects: ScreeningSubject[] };
          await deps.screening.watch(
            await Promise.all(
              subjects.map(async (s) => ({ ...s, birthDate: await personal.open(s.birthDate ?? null) })),
            ),
          );
        },
      },
    ],
  };
}
