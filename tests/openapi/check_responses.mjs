// The answers the HTTP integration suites received (recorded by tests/http/exchange_record.h
// as NDJSON under RECORD_DIR) against docs/openapi.yaml. For each exchange:
//   - a path the spec describes, with a method it describes (HEAD: its GET): the status must be
//     a response of that operation, or one the HTTP layer gives any route (the root's
//     x-tessera-server-responses); a response with content must come with one of its media
//     types, a response without content with none; a JSON body must validate against the
//     media type's schema (JSON Schema 2020-12, Ajv); a problem's `status` must be the HTTP
//     status;
//   - OPTIONS on a path marked x-cors, when the server has web.cors_origins: a preflight, 204
//     without a body;
//   - a path the spec describes with a method it does not: 405 `method_not_allowed`, whose
//     Allow lists exactly the spec's methods (plus HEAD with GET, OPTIONS with CORS);
//   - a path the spec does not describe (the suites' deliberate probes): 404 `route_not_found`
//     - or, for a request target that is not a path at all, the 400 of a malformed request.
// Fails on any mismatch, and when fewer than MIN_EXCHANGES were recorded or fewer than
// MIN_OPERATIONS operations were seen (a broken recorder must not pass).
// Usage: node check_responses.mjs SPEC RECORD_DIR MIN_EXCHANGES MIN_OPERATIONS
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { METHODS, loadSpec, pathMatcher } from './spec.mjs';

const [specFile, recordDir, minExchanges, minOperations] = process.argv.slice(2);
if (!minOperations) {
  console.error('usage: node check_responses.mjs SPEC RECORD_DIR MIN_EXCHANGES MIN_OPERATIONS');
  process.exit(2);
}
const spec = loadSpec(specFile);
const match = pathMatcher(spec);

// The spec's schemas for Ajv: components.schemas as one document's $defs, and every
// '#/components/schemas/X' reference pointed there.
const BASE = 'https://tessera.invalid/openapi';
const retarget = (node) => {
  if (Array.isArray(node)) return node.map(retarget);
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')
      ? `${BASE}#/$defs/${v.slice('#/components/schemas/'.length)}`
      : retarget(v);
  }
  return out;
};
const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
addFormats(ajv);
ajv.addSchema({ $id: BASE, $defs: retarget(spec.components.schemas) });
const validators = new Map();
const validatorOf = (schema) => {
  if (!validators.has(schema)) validators.set(schema, ajv.compile(retarget(schema)));
  return validators.get(schema);
};

const resolve = (obj) => {
  let o = obj;
  while (o && o.$ref) {
    o = o.$ref.slice(2).split('/').reduce((n, k) => n[k.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
  }
  return o;
};
const serverWide = spec['x-tessera-server-responses'] ?? {};
const mediaOf = (ct) => (ct ?? '').split(';')[0].trim().toLowerCase();
const isJson = (media) => media === 'application/json' || media.endsWith('+json');

const problems = new Map();  // message -> {count, example}
const fail = (msg, x) => {
  const p = problems.get(msg) ?? { count: 0, example: x };
  p.count += 1;
  problems.set(msg, p);
};
const seen = new Map();  // "METHOD path status" -> count
const counts = {
  exchanges: 0, operations: 0, bodies: 0, preflights: 0, methodNotAllowed: 0, unmatched: 0,
};

function problemCode(x) {
  if (mediaOf(x.content_type) !== 'application/problem+json') return null;
  try {
    return JSON.parse(x.body).code;
  } catch {
    return null;
  }
}

function checkOperation(x, template, method, op) {
  const status = String(x.status);
  const ref = op.responses[status] ?? op.responses[`${status[0]}XX`] ?? serverWide[status];
  const where = `${method} ${template} ${status}`;
  seen.set(where, (seen.get(where) ?? 0) + 1);
  if (!ref) return fail(`${where}: status not documented`, x);
  const response = resolve(ref);
  const media = mediaOf(x.content_type);
  if (!response.content) {
    if (media && x.method !== 'HEAD') fail(`${where}: ${media} body, none documented`, x);
    return;
  }
  const content = response.content[media];
  if (!content) {
    return fail(`${where}: content type "${media}" not in ${Object.keys(response.content)}`, x);
  }
  if (x.method === 'HEAD' || !isJson(media) || !content.schema) return;
  let body;
  try {
    body = JSON.parse(x.body);
  } catch {
    return fail(`${where}: body is not JSON`, x);
  }
  counts.bodies += 1;
  const validate = validatorOf(content.schema);
  if (!validate(body)) {
    const errors = validate.errors.map((e) => `${e.instancePath || '/'} ${e.message}` +
      (e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : '') +
      (e.params?.allowedValues ? ` ${JSON.stringify(e.params.allowedValues)}` : ''));
    fail(`${where}: body does not match the schema: ${[...new Set(errors)].join('; ')}`, x);
  }
  if (media === 'application/problem+json' && body.status !== x.status) {
    fail(`${where}: problem status ${body.status} differs from the HTTP status`, x);
  }
}

function checkExchange(x) {
  counts.exchanges += 1;
  const path = x.target.split('?')[0];
  if (!path.startsWith('/')) {
    if (x.status !== 400 || problemCode(x) !== 'malformed_request') {
      fail(`target "${x.target}" is not a path: expected 400 malformed_request`, x);
    }
    return;
  }
  const template = match(path);
  if (!template) {
    counts.unmatched += 1;
    if (x.status === 404 && problemCode(x) === 'route_not_found') return;
    // The HTTP layer answers before routing (framing, header and body limits) on any path.
    if (serverWide[String(x.status)] && x.status !== 500) return;
    return fail(`${x.method} ${path}: not described, expected 404 route_not_found, got ${x.status}`, x);
  }
  const item = spec.paths[template];
  const method = x.method.toLowerCase();
  const op = item[method] ?? (method === 'head' ? item.get : undefined);
  if (op) {
    counts.operations += 1;
    return checkOperation(x, template, x.method === 'HEAD' ? 'GET' : x.method, op);
  }
  const where = `${x.method} ${template}`;
  if (x.method === 'OPTIONS' && item['x-cors'] && x.status === 204) {
    counts.preflights += 1;  // a CORS preflight (web.cors_origins set): 204, no body
    if (mediaOf(x.content_type)) fail(`${where}: a preflight with a body`, x);
    return;
  }
  counts.methodNotAllowed += 1;
  if (x.status !== 405 || problemCode(x) !== 'method_not_allowed') {
    if (serverWide[String(x.status)] && x.status !== 500) return;  // before routing, as above
    return fail(`${where}: method not described, expected 405 method_not_allowed, got ${x.status}`, x);
  }
  const allowed = METHODS.filter((m) => item[m]).map((m) => m.toUpperCase());
  const allow = (x.allow ?? '').split(',').map((s) => s.trim()).filter(Boolean)
    .filter((m) => !(m === 'HEAD' && allowed.includes('GET')) &&
                   !(m === 'OPTIONS' && item['x-cors']));
  if (allow.sort().join(',') !== allowed.sort().join(',')) {
    fail(`${where}: Allow "${x.allow}" differs from the described methods ${allowed}`, x);
  }
}

let files = [];
try {
  files = readdirSync(recordDir).filter((f) => f.endsWith('.ndjson'));
} catch {
  // no directory: nothing was recorded, reported below
}
for (const f of files) {
  for (const line of readFileSync(join(recordDir, f), 'utf8').split('\n')) {
    if (line) checkExchange(JSON.parse(line));
  }
}

const operationsSeen = new Set([...seen.keys()].map((k) => k.split(' ').slice(0, 2).join(' ')));
const allOperations = Object.entries(spec.paths).flatMap(([p, item]) =>
  METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${p}`));
const unseen = allOperations.filter((o) => !operationsSeen.has(o));
console.log(`${files.length} recordings, ${counts.exchanges} exchanges: ${counts.operations} to ` +
  `${operationsSeen.size} of ${allOperations.length} described operations ` +
  `(${seen.size} operation-status pairs, ${counts.bodies} JSON bodies validated), ` +
  `${counts.preflights} CORS preflights, ${counts.methodNotAllowed} with an undescribed method, ` +
  `${counts.unmatched} to undescribed paths`);
console.log(`operations no suite exercised (${unseen.length}): ${unseen.join(', ')}`);
let failed = false;
if (counts.exchanges < Number(minExchanges)) {
  console.log(`FAIL only ${counts.exchanges} exchanges recorded (at least ${minExchanges} expected): ` +
    'is the recorder (TESSERA_OPENAPI_RECORD) working?');
  failed = true;
}
if (operationsSeen.size < Number(minOperations)) {
  console.log(`FAIL only ${operationsSeen.size} operations exercised (at least ${minOperations} expected)`);
  failed = true;
}
for (const [msg, { count, example }] of problems) {
  failed = true;
  const body = example.body === undefined ? '' : ` body ${example.body.slice(0, 300)}`;
  console.log(`FAIL ${msg} (${count}x; e.g. ${example.method} ${example.target} -> ` +
    `${example.status} ${example.content_type}${body})`);
}
process.exit(failed ? 1 : 0);
