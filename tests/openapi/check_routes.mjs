// Every route of the server is described in docs/openapi.yaml, and the spec describes no route
// the server lacks. The routes come from the server itself: `tessera routes` (src/cli/
// serve_cmd.cc) builds the router exactly as `tessera serve` does, with all_routes.toml (every
// configuration-dependent route on), on a scratch data dir, and prints "METHOD path" lines.
// Rules:
//   - a (method, path) of the router must be an operation of the same path string in the spec
//     (the router's `{name}` segments are the spec's path parameters), except that
//   - a spec path marked `x-static-files: true` (e.g. /static/{file}) stands for the router's
//     concrete GET paths it matches (the embedded files), and must match at least one;
//   - OPTIONS (CORS preflights, answered by the router itself) is not an operation: the router
//     answers OPTIONS on a path exactly when the spec marks that path `x-cors`.
// Usage: node check_routes.mjs SPEC TESSERA_BINARY CONFIG
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { METHODS, loadSpec, templateRegex } from './spec.mjs';

const [specFile, tessera, config] = process.argv.slice(2);
if (!config) {
  console.error('usage: node check_routes.mjs SPEC TESSERA_BINARY CONFIG');
  process.exit(2);
}
const spec = loadSpec(specFile);
const dataDir = mkdtempSync(join(tmpdir(), 'tessera-routes-'));
let out;
try {
  out = execFileSync(tessera, ['routes', '--data-dir', dataDir, '--config', config], {
    encoding: 'utf8',
  });
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
const routes = out.split('\n').filter(Boolean).map((line) => {
  const [method, path] = line.split(' ');
  return { method, path };
});

const problems = [];
const described = new Set();  // "METHOD path" of the spec's operations
const staticTemplates = [];
for (const [path, item] of Object.entries(spec.paths)) {
  for (const m of METHODS) {
    if (item[m]) described.add(`${m.toUpperCase()} ${path}`);
  }
  if (item['x-static-files'] === true) staticTemplates.push({ path, re: templateRegex(path), hits: 0 });
}

const routed = new Set();
const preflighted = new Set();
for (const { method, path } of routes) {
  if (method === 'OPTIONS') {
    preflighted.add(path);
    continue;
  }
  routed.add(`${method} ${path}`);
  if (described.has(`${method} ${path}`)) continue;
  const s = method === 'GET' && staticTemplates.find((t) => t.re.test(path));
  if (s) {
    s.hits += 1;
    continue;
  }
  problems.push(`routed but not described: ${method} ${path}`);
}
for (const op of described) {
  const [method, path] = op.split(' ');
  if (routed.has(op)) continue;
  if (staticTemplates.some((t) => t.path === path && t.hits > 0 && method === 'GET')) continue;
  problems.push(`described but not routed: ${op}`);
}
for (const [path, item] of Object.entries(spec.paths)) {
  const cors = item['x-cors'] !== undefined;
  if (cors && !['public', 'credentialed'].includes(item['x-cors'])) {
    problems.push(`${path}: x-cors must be "public" or "credentialed"`);
  }
  if (cors && !preflighted.has(path)) problems.push(`x-cors but no CORS preflight: ${path}`);
  if (!cors && preflighted.has(path)) problems.push(`CORS preflight but no x-cors: ${path}`);
}
for (const path of preflighted) {
  if (!spec.paths[path]) problems.push(`CORS preflight on a path not described: ${path}`);
}

const operations = described.size;
console.log(`${routes.length} routes from tessera routes (${preflighted.size} CORS preflights); ` +
  `${operations} operations described`);
if (routes.length === 0) problems.push('tessera routes listed nothing');
for (const p of problems) console.log(`FAIL ${p}`);
process.exit(problems.length ? 1 : 0);
