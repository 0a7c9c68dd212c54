import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { createSecureContext } from 'node:tls';
import * as OTPAuth from 'otpauth';
import { DEMO_TOTP_SECRET } from '../../src/auth/seed.js';
import type { AuthService } from '../../src/auth/service.js';
import type { Platform } from '../../src/platform.js';
import type {
  ScreeningHit,
  ScreeningPort,
  ScreeningQuery,
  ScreeningSubject,
} from '../../src/screening/port.js';

/**
 * A test double of the screening module's port (that module is built alongside): a fixed list of
 * names, a hit when every word of a listed name is in the query. It records what it was asked to watch
 * and lets a test raise a re-screening hit.
 */
export function fixedListScreening(listed: string[]) {
  const listeners: ((subject: ScreeningSubject, hit: ScreeningHit) => Promise<void>)[] = [];
  const watched: ScreeningSubject[] = [];
  const searches: ScreeningQuery[] = [];
  const words = (name: string) =>
    name
      .toLowerCase()
      .split(/[^a-z]+/)
      .filter(Boolean);
  const hitFor = (name: string, entry: string, i: number): ScreeningHit => ({
    entryId: `wle_test${i}`,
    entryVersion: '1',
    list: { id: 'wl_test', name: 'Test national list', source: 'national' },
    name: entry,
    matchedName: entry,
    score: 0.97,
    explanation: [`name ${name} ~ ${entry}`],
  });
  const port: ScreeningPort = {
    async search(query) {
      searches.push(query);
      const asked = new Set(words(query.name));
      return listed.flatMap((entry, i) =>
        words(entry).every((w) => asked.has(w)) ? [hitFor(query.name, entry, i)] : [],
      );
    },
    async watch(subjects) {
      watched.push(...subjects);
    },
    onNewHit(listener) {
      listeners.push(listener);
    },
  };
  return {
    port,
    watched,
    searches,
    async raise(subject: ScreeningSubject, entry: string) {
      for (const listener of listeners) await listener(subject, hitFor(subject.name, entry, 99));
    },
  };
}

/**
 * A console account for a merchant: an organisation of kind merchant named after it, and its owner.
 * Returns the organisation.
 */
export async function merchantOwner(
  auth: AuthService,
  merchant: { id: string; name: string },
  owner: { email: string; name: string; password: string },
) {
  const organisation = await auth.createOrganisation({
    kind: 'merchant',
    name: merchant.name,
    merchantId: merchant.id,
  });
  assert.ok(typeof organisation === 'object', `organisation of ${merchant.name}: ${organisation}`);
  await auth.createUser({ organisationId: organisation.id, role: 'owner', ...owner });
  return organisation;
}

/** Runs the outbox until nothing is left (checks, watch requests). */
export async function drainOutbox(platform: Platform): Promise<void> {
  for (let i = 0; i < 20 && (await platform.outbox.runOnce()) > 0; i++);
}

export function totpNow(): string {
  return new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(DEMO_TOTP_SECRET),
    digits: 6,
    period: 30,
  }).generate();
}

/** Signs in over HTTP like a browser; returns the cookie header and a way to read a page's CSRF token. */
export async function consoleSession(baseUrl: string, email: string, password: string, code?: string) {
  const response = await fetch(`${baseUrl}/console/sign-in?lang=en`, { redirect: 'manual' });
  const formCookie = (response.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
  const page = await response.text();
  const formToken = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  const body = new URLSearchParams({
    email,
    password,
    ...(code ? { code } : {}),
    ...(formToken ? { csrf: formToken } : {}),
  });
  const signIn = await fetch(`${baseUrl}/console/sign-in?lang=en`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: formCookie },
    body,
  });
  const session = (signIn.headers.getSetCookie?.() ?? []).find((c) => c.startsWith('tijara_session='));
  if (!session) throw new Error(`sign-in of ${email} failed: ${signIn.status} ${await signIn.text()}`);
  const cookie = session.split(';')[0]!;
  const get = (path: string) => fetch(`${baseUrl}${path}`, { headers: { cookie }, redirect: 'manual' });
  const post = (path: string, form: Record<string, string>) =>
    fetch(`${baseUrl}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    });
  async function csrf(path = '/console/cases'): Promise<string> {
    const html = await (await get(path)).text();
    const token = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
    if (!token) throw new Error(`no CSRF token on ${path}`);
    return token;
  }
  return { cookie, get, post, csrf };
}

/**
 * A test CA, a certificate it signs for `names`, and a self-signed one for `selfSignedName` (openssl),
 * each valid for `days`.
 */
export function testCertificates(names: string[], selfSignedName: string, days = 2) {
  const dir = mkdtempSync(join(tmpdir(), 'tijara-tls-'));
  const file = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-days',
    String(days),
    '-subj',
    '/CN=Tijara Test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  openssl('req', ...ec, '-keyout', file('site.key'), '-out', file('site.csr'), '-subj', `/CN=${names[0]}`);
  writeFileSync(file('site.ext'), `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\n`);
  openssl(
    'x509',
    '-req',
    '-in',
    file('site.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('site.pem'),
    '-days',
    String(days),
    '-extfile',
    file('site.ext'),
  );
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    file('self.key'),
    '-out',
    file('self.pem'),
    '-days',
    String(days),
    '-subj',
    `/CN=${selfSignedName}`,
    '-addext',
    `subjectAltName=DNS:${selfSignedName}`,
  );
  const read = (name: string) => readFileSync(file(name), 'utf8');
  return {
    caFile: file('ca.pem'),
    caPem: read('ca.pem'),
    site: { key: read('site.key'), cert: read('site.pem') },
    selfSigned: { key: read('self.key'), cert: read('self.pem') },
  };
}

/**
 * Real local web sites: an HTTP and an HTTPS server answering for any host name (by the Host header and
 * SNI). `files` maps "host/path" to content; HTTPS presents the self-signed certificate to
 * `selfSignedName`, the test CA's to every other name. `silentHosts` never answer (timeouts).
 */
export async function localSites(options: {
  certificates: ReturnType<typeof testCertificates>;
  selfSignedName: string;
  files: Map<string, string>;
  silentHosts?: string[];
}) {
  const handler: http.RequestListener = (request, response) => {
    const host = (request.headers.host ?? '').split(':')[0]!;
    if (options.silentHosts?.includes(host)) return; // never answers
    const content = options.files.get(`${host}${request.url}`);
    if (content === undefined && request.url !== '/') {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': 'text/plain' }).end(content ?? 'welcome');
  };
  const { certificates } = options;
  const siteContext = createSecureContext(certificates.site);
  const selfContext = createSecureContext(certificates.selfSigned);
  const httpServer = http.createServer(handler);
  const httpsServer = https.createServer(
    {
      ...certificates.site,
      SNICallback: (name, done) => done(null, name === options.selfSignedName ? selfContext : siteContext),
    },
    handler,
  );
  await Promise.all([
    new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve)),
    new Promise<void>((resolve) => httpsServer.listen(0, '127.0.0.1', resolve)),
  ]);
  after(() => {
    httpServer.closeAllConnections();
    httpsServer.closeAllConnections();
    httpServer.close();
    httpsServer.close();
  });
  return {
    httpPort: (httpServer.address() as AddressInfo).port,
    httpsPort: (httpsServer.address() as AddressInfo).port,
  };
}

/** A tiny authoritative DNS server on a UDP port: answers TXT queries from `records`, NXDOMAIN otherwise. */
export async function localDns(records: Map<string, string[]>): Promise<{ address: string }> {
  const socket = createSocket('udp4');
  socket.on('message', (query, peer) => {
    let offset = 12;
    const labels: string[] = [];
    while (query[offset]! > 0) {
      const length = query[offset]!;
      labels.push(query.subarray(offset + 1, offset + 1 + length).toString('ascii'));
      offset += length + 1;
    }
    const questionEnd = offset + 5; // zero byte, QTYPE, QCLASS
    const qtype = query.readUInt16BE(offset + 1);
    const name = labels.join('.').toLowerCase();
    const texts = qtype === 16 ? (records.get(name) ?? []) : [];
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0); // same id
    header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | (records.has(name) ? 0 : 3), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(texts.length, 6);
    const answers = texts.map((text) => {
      const data = Buffer.from(text, 'utf8');
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
      rr.writeUInt16BE(16, 2); // TXT
      rr.writeUInt16BE(1, 4); // IN
      rr.writeUInt32BE(60, 6);
      rr.writeUInt16BE(data.length + 1, 10);
      return Buffer.concat([rr, Buffer.from([data.length]), data]);
    });
    socket.send(
      Buffer.concat([header, query.subarray(12, questionEnd), ...answers]),
      peer.port,
      peer.address,
    );
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  after(() => socket.close());
  return { address: `127.0.0.1:${socket.address().port}` };
}
