// docs/openapi.yaml, parsed, and what the checks need of it: its operations by path template,
// and a matcher from a request path to the template that describes it.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export function loadSpec(file) {
  return parse(readFileSync(file, 'utf8'));
}

// A path template as a regular expression: `{name}` matches one non-empty segment, as the
// router's patterns do (src/http/router.h); everything else matches itself.
export function templateRegex(template) {
  const parts = template.split(/(\{[^}/]+\})/).map((p) =>
    p.startsWith('{') ? '[^/]+' : p.replace(/[.*+?^$()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('')}$`);
}

// The spec's path templates, exact ones first (as the router prefers an exact path).
export function pathMatcher(spec) {
  const templates = Object.keys(spec.paths);
  const exact = new Set(templates.filter((t) => !t.includes('{')));
  const patterns = templates.filter((t) => t.includes('{')).map((t) => [t, templateRegex(t)]);
  return (path) => {
    if (exact.has(path)) return path;
    const hit = patterns.find(([, re]) => re.test(path));
    return hit ? hit[0] : null;
  };
}
