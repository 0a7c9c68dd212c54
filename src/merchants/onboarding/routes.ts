import multipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { Problem } from '../../core/problem.js';
import type { App } from '../../http/server.js';
import { createIdempotency, type KeyLifetime } from '../../payments/idempotency.js';
import type { SharedStore } from '../../store/store.js';
import type { VaultService } from '../../vault/service.js';
import { callerOf } from '../auth.js';
import { verificationValue, WELL_KNOWN_PATH } from './checks/domain-control.js';
import { MAX_DOCUMENT_BYTES } from './documents.js';
import { type CaseFile, type DocumentKind, documentKinds, totalTimeByState } from './model.js';
import { merchantVisibleChecks } from './pages.js';
import type { MerchantActor, OnboardingService } from './service.js';
import type { ApplicationBody } from './validation.js';

export interface OnboardingRoutesDeps {
  store: SharedStore;
  vault: Pick<VaultService, 'sealSecret' | 'openSecret'>;
  onboarding: OnboardingService;
  authenticate: (request: never, reply: never) => Promise<void>;
  now: () => Date;
  /** How long Idempotency-Keys are kept (24 hours when not given). */
  idempotencyKeys?: KeyLifetime;
}

const secured = { security: [{ secretKey: [] }] };
const loose = { additionalProperties: true } as const;

// Types only: every field is verified by parseApplication, which reports all wrong fields at once.
const ApplicationSchema = Type.Object(
  {
    company: Type.Optional(
      Type.Object(
        {
          name: Type.Optional(Type.String({ maxLength: 400 })),
          legal_form: Type.Optional(Type.String({ maxLength: 400 })),
          ice: Type.Optional(Type.String({ maxLength: 64, description: '15 digits, check digits verified' })),
          rc_number: Type.Optional(Type.String({ maxLength: 64 })),
          rc_court: Type.Optional(Type.String({ maxLength: 400 })),
          if: Type.Optional(Type.String({ maxLength: 64 })),
          address: Type.Optional(Type.String({ maxLength: 800 })),
          sector: Type.Optional(Type.String({ maxLength: 400 })),
        },
        loose,
      ),
    ),
    owners: Type.Optional(
      Type.Array(
        Type.Object(
          {
            latin_name: Type.Optional(Type.String({ maxLength: 400 })),
            arabic_name: Type.Optional(Type.String({ maxLength: 400 })),
            id_kind: Type.Optional(Type.String({ maxLength: 20, description: 'cin or passport' })),
            id_number: Type.Optional(Type.String({ maxLength: 64 })),
            birth_date: Type.Optional(Type.String({ maxLength: 20, description: 'YYYY-MM-DD' })),
            nationality: Type.Optional(Type.String({ maxLength: 8, description: 'ISO 3166-1 alpha-2' })),
            share: Type.Optional(
              Type.Union([Type.Number(), Type.String({ maxLength: 10 })], { description: 'percent' }),
            ),
            beneficial: Type.Optional(Type.Boolean()),
          },
          loose,
        ),
        { maxItems: 50 },
      ),
    ),
    domains: Type.Optional(Type.Array(Type.String({ maxLength: 300 }), { maxItems: 50 })),
    expected_monthly_volume: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0 }), Type.String({ maxLength: 20 })], { description: 'centimes' }),
    ),
    rib: Type.Optional(Type.String({ maxLength: 64, description: '24 digits, key verified' })),
  },
  loose,
);

/** The application as its merchant sees it: no risk level, no screening or duplicate findings. */
export function applicationJson(file: CaseFile, now: Date) {
  const a = file.application!;
  return {
    id: a.id,
    object: 'onboarding_application' as const,
    status: a.status,
    case_state: file.case.state,
    information_request: file.case.state === 'information_requested' ? file.case.information_request : null,
    company: {
      name: a.company_name,
      legal_form: a.legal_form,
      ice: a.ice,
      rc_number: a.rc_number,
      rc_court: a.rc_court,
      if: a.tax_id,
      address: a.address,
      sector: a.sector,
    },
    owners: file.owners.map((o) => ({
      id: o.id,
      latin_name: o.latin_name,
      arabic_name: o.arabic_name,
      id_kind: o.id_kind,
      id_number: o.id_number,
      birth_date: o.birth_date,
      nationality: o.nationality,
      share: o.share_bps / 100,
      beneficial: o.beneficial,
    })),
    domains: a.domains,
    expected_monthly_volume: Number(a.expected_monthly_volume),
    rib: a.rib,
    domain_verification: {
      dns_txt: verificationValue(a.verification_token),
      well_known_path: WELL_KNOWN_PATH,
    },
    checks: merchantVisibleChecks(file.checks).map((c) => ({
      kind: c.kind,
      subject: c.subject,
      result: c.result,
      explanation: c.explanation,
    })),
    documents: file.documents.map((d) => ({
      id: d.id,
      kind: d.kind,
      content_type: d.content_type,
      size: d.size_bytes,
      uploaded_at: d.uploaded_at.toISOString(),
    })),
    seconds_in_state: Object.fromEntries(
      Object.entries(totalTimeByState(file.transitions, now)).map(([state, ms]) => [
        state,
        Math.floor(ms / 1000),
      ]),
    ),
    submitted_at: a.submitted_at.toISOString(),
  };
}

export function apiActor(request: FastifyRequest): MerchantActor {
  return { type: 'api_key', id: callerOf(request).keyId, ip: request.ip, requestId: request.id };
}

/** Reads one uploaded file (multipart, field `file`, with a `kind` field before it). */
export async function readUpload(
  request: FastifyRequest,
): Promise<
  { kind: DocumentKind; declaredType: string; bytes: Buffer; fields: Record<string, string> } | Problem
> {
  const part = await request.file({ limits: { fileSize: MAX_DOCUMENT_BYTES, files: 1 } });
  if (!part)
    return new Problem(400, 'document_missing', 'No file', 'send the document as multipart field "file"');
  const bytes = await part.toBuffer();
  if (part.file.truncated)
    return new Problem(
      413,
      'document_too_large',
      'Document refused',
      `at most ${MAX_DOCUMENT_BYTES / 1024 / 1024} MB`,
    );
  const fields: Record<string, string> = {};
  for (const [name, field] of Object.entries(part.fields)) {
    const value = Array.isArray(field) ? field[0] : field;
    if (value && value.type === 'field') fields[name] = String(value.value);
  }
  const kind = fields.kind as DocumentKind;
  if (!documentKinds.includes(kind))
    return new Problem(
      422,
      'document_kind',
      'Document refused',
      `kind is one of ${documentKinds.join(', ')} (sent before the file)`,
    );
  return { kind, declaredType: part.mimetype, bytes, fields };
}

/** The merchant's onboarding API: file the application, follow it, upload documents, answer questions. */
export function onboardingApiRoutes(deps: OnboardingRoutesDeps) {
  const { onboarding } = deps;
  const idempotent = createIdempotency(deps.store, deps.vault, deps.idempotencyKeys);
  const current = async (merchantId: string) => {
    const file = await onboarding.currentFile(merchantId);
    if (!file?.application)
      throw new Problem(404, 'not_found', 'Not found', 'this merchant has no application');
    return applicationJson(file, deps.now());
  };

  return async (app: App) => {
    await app.register(multipart, { limits: { fileSize: MAX_DOCUMENT_BYTES, files: 1, fields: 10 } });
    app.addHook('preHandler', deps.authenticate as never);

    app.post(
      '/v1/onboarding/applications',
      {
        schema: {
          tags: ['onboarding'],
          summary: 'File the merchant application',
          ...secured,
          body: ApplicationSchema,
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        const scope = { merchantId: caller.merchant.id, livemode: caller.livemode };
        // An Idempotency-Key makes a retried submission answer what the first one did.
        return idempotent(request, reply, scope, async (trx) => {
          const result = await onboarding.submit(
            caller.merchant.id,
            request.body as ApplicationBody,
            apiActor(request),
            trx,
          );
          if (result instanceof Problem) return { status: result.status, body: result.toJSON(request.url) };
          const file = await onboarding.currentFile(caller.merchant.id, trx);
          return { status: 201, body: applicationJson(file!, deps.now()) };
        });
      },
    );

    app.get(
      '/v1/onboarding/application',
      {
        schema: {
          tags: ['onboarding'],
          summary: "The merchant's application, its status and what is asked",
          ...secured,
        },
      },
      async (request) => current(callerOf(request).merchant.id),
    );

    app.post(
      '/v1/onboarding/application/documents',
      {
        schema: {
          tags: ['onboarding'],
          summary: 'Upload a document (multipart: kind, then file)',
          ...secured,
        },
      },
      async (request, reply) => {
        const upload = await readUpload(request);
        if (upload instanceof Problem) throw upload;
        const caller = callerOf(request);
        const result = await onboarding.addDocument(caller.merchant.id, upload, apiActor(request));
        if (result instanceof Problem) throw result;
        return reply.code(201).send({
          id: result.id,
          object: 'onboarding_document',
          kind: result.kind,
          content_type: result.content_type,
          size: result.size_bytes,
          sha256: result.sha256,
        });
      },
    );

    app.post(
      '/v1/onboarding/application/response',
      {
        schema: {
          tags: ['onboarding'],
          summary: 'Answer the information the reviewers asked for',
          ...secured,
          body: Type.Object({ message: Type.String({ minLength: 1, maxLength: 4000 }) }),
        },
      },
      async (request) => {
        const caller = callerOf(request);
        const result = await onboarding.respond(caller.merchant.id, request.body.message, apiActor(request));
        if (result instanceof Problem) throw result;
        return current(caller.merchant.id);
      },
    );
  };
}
