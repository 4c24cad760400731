// Accessibility checks of a page as it stands, for the e2e flows to call where they reach a
// page or a state of one (no server or browser of its own: the flows' are reused):
//
//   - axe-core (pinned in package.json) in the light colour scheme with its default rules
//     (WCAG 2.x A and AA and best practices), then in the dark one with the rules whose
//     outcome depends on colours (the stylesheet's prefers-color-scheme palette changes
//     nothing else);
//   - at 390 x 844 (an iPhone), no horizontal scroll: the document is no wider than the
//     viewport (wide tables scroll inside their own box instead).
//
// Any violation of impact "serious" or "critical" fails, each printed with its rule id,
// impact, the elements (CSS selectors) and what the rule asks. Lesser ones are returned for
// the caller to print as diagnostics. The page is left as found: light scheme, its viewport.
//
// axe is injected with page.evaluate, which the pages' Content-Security-Policy
// (script-src 'self') does not govern: no CSP violation is logged for it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// The rules that read colours: what the dark scheme can break.
const COLOUR_RULES = ['color-contrast', 'link-in-text-block'];

export const PHONE = { width: 390, height: 844 };

const FAILING = new Set(['serious', 'critical']);

// axe.run on the page's document; `rules` limits it to those rule ids.
async function runAxe(page, rules) {
  const injected = await page.evaluate(() => typeof window.axe === 'object');
  if (!injected) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (only) => {
    const options = { resultTypes: ['violations'] };
    if (only) options.runOnly = { type: 'rule', values: only };
    const r = await window.axe.run(document, options);
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
      summary: v.nodes[0]?.failureSummary ?? '',
    }));
  }, rules ?? null);
}

function describe(label, scheme, v) {
  return (
    `${label} (${scheme}): ${v.id} [${v.impact}] ${v.help}\n` +
    `    at ${v.targets.join(', ')}\n` +
    `    ${v.summary.replace(/\n/g, '\n    ')}`
  );
}

// What sticks out furthest past the viewport's right edge (outside any box that scrolls or
// clips it), for the failure message: {what, right} or null.
function widest() {
  const limit = window.innerWidth;
  const contained = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  let found = null;
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right > limit + 0.5 && (!found || r.right > found.right) && !contained(el)) {
      const id = el.id ? `#${el.id}` : '';
      const cls = el.getAttribute('class') ? `.${el.getAttribute('class').replace(/ /g, '.')}` : '';
      found = { right: Math.round(r.right), what: `${el.localName}${id}${cls}` };
    }
  }
  return found;
}

// Checks `page` (called `label` in messages) as described above. Resolves to the lesser
// violations (strings); throws an AssertionError listing every serious or critical one, or
// the overflow at the phone width.
export async function checkPage(page, label, { phone = true } = {}) {
  const failures = [];
  const lesser = [];
  try {
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      const found = await runAxe(page, scheme === 'dark' ? COLOUR_RULES : null);
      for (const v of found) {
        (FAILING.has(v.impact) ? failures : lesser).push(describe(label, scheme, v));
      }
    }
  } finally {
    await page.emulateMedia({ colorScheme: 'light' });
  }
  if (phone) {
    const before = page.viewportSize();
    await page.setViewportSize(PHONE);
    try {
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
      }));
      const culprit = scrollWidth > innerWidth ? await page.evaluate(widest) : null;
      if (scrollWidth > innerWidth) {
        failures.push(
          `${label}: scrolls sideways at ${PHONE.width} px: the document is ${scrollWidth} px ` +
            `wide${culprit ? `; ${culprit.what} reaches ${culprit.right} px` : ''}`,
        );
      }
    } finally {
      if (before) await page.setViewportSize(before);
    }
  }
  if (failures.length) assert.fail(`accessibility of ${label}:\n${failures.join('\n')}`);
  return lesser;
}

// checkPage for a page open with JavaScript off, where axe cannot run (page.evaluate needs
// scripts, and hangs): its HTML as it stands, served again at its URL (so its stylesheet
// loads) to a fresh context of `browser` with scripts on but every .js blocked, so the page
// stays in the state the server rendered. Resolves to the lesser violations, as checkPage.
export async function checkPageWithoutScripts(browser, page, label) {
  const url = page.url();
  const html = await page.content();
  const context = await browser.newContext({ viewport: page.viewportSize() });
  try {
    const copy = await context.newPage();
    await copy.route('**/*.js', (route) => route.abort());
    await copy.route(url, (route) =>
      route.fulfill({ contentType: 'text/html; charset=utf-8', body: html }),
    );
    await copy.goto(url);
    return await checkPage(copy, label);
  } finally {
    await context.close();
  }
}
