// What the browser pages say, without a browser or a server: the modules of web/static that
// turn data into words, imported as they are served.
//   user_agent.js  a session's User-Agent as "Chrome on Linux" (real headers of the common
//                  browsers, the iPad-as-Mac caveat, the short fallback);
//   api.js         describeError: a failed request in plain words (no status code, no
//                  reason phrase, no raw seconds), the page's own words taking precedence;
//                  csrfToken: which CSRF cookie the page echoes (either name, never a guess).
//
//   node --test tests/e2e/page_text.mjs      (ctest: web_page_text)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';

import { ApiError, PageError, csrfToken, describeError, waitText } from '../../web/static/api.js';
import { describeUserAgent, shortForm } from '../../web/static/user_agent.js';

const AGENTS = [
  // Chrome
  [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) ' +
      'Chrome/124.0.0.0 Safari/537.36',
    'Chrome on Windows',
  ],
  [
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) ' +
      'Chrome/124.0.0.0 Safari/537.36',
    'Chrome on macOS',
  ],
  [
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) ' +
      'Chrome/124.0.0.0 Safari/537.36',
    'Chrome on Linux',
  ],
  [
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) ' +
      'Chrome/124.0.0.0 Mobile Safari/537.36',
    'Chrome on Android',
  ],
  [
    'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) ' +
      'Chrome/124.0.0.0 Safari/537.36',
    'Chrome on ChromeOS',
  ],
  [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 ' +
      '(KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1',
    'Chrome on iPhone',
  ],
  [
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) ' +
      'HeadlessChrome/124.0.0.0 Safari/537.36',
    'Chrome on Linux',
  ],
  // Edge
  [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) ' +
      'Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80',
    'Edge on Windows',
  ],
  [
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) ' +
      'Chrome/124.0.0.0 Mobile Safari/537.36 EdgA/124.0.2478.64',
    'Edge on Android',
  ],
  [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 ' +
      '(KHTML, like Gecko) Version/17.0 EdgiOS/124.2478.71 Mobile/15E148 Safari/605.1.15',
    'Edge on iPhone',
  ],
  [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) ' +
      'Chrome/70.0.3538.102 Safari/537.36 Edge/18.19582',
    'Edge on Windows',
  ],
  // Firefox
  [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
    'Firefox on Windows',
  ],
  [
    'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
    'Firefox on Linux',
  ],
  ['Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0', 'Firefox on Android'],
  [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 ' +
      '(KHTML, like Gecko) FxiOS/125.0 Mobile/15E148 Safari/605.1.15',
    'Firefox on iPhone',
  ],
  // Safari
  [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 ' +
      '(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    'Safari on iPhone',
  ],
  [
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 ' +
      '(KHTML, like Gecko) Version/17.4 Safari/605.1.15',
    'Safari on macOS', // also what an iPad sends since iPadOS 13: nothing tells them apart
  ],
  [
    'Mozilla/5.0 (iPad; CPU OS 12_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
      'Version/12.1 Mobile/15E148 Safari/604.1',
    'Safari on iPad',
  ],
  // Opera
  [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) ' +
      'Chrome/124.0.0.0 Safari/537.36 OPR/110.0.0.0',
    'Opera on Windows',
  ],
  [
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) ' +
      'Chrome/124.0.0.0 Mobile Safari/537.36 OPR/82.0.4227.0',
    'Opera on Android',
  ],
  // Samsung Internet
  [
    'Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) ' +
      'SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36',
    'Samsung Internet on Android',
  ],
  // An app's web view on iOS: the system only.
  [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 ' +
      '(KHTML, like Gecko) Mobile/15E148',
    'Unknown browser on iPhone',
  ],
  // Not a browser: the raw string, short.
  ['curl/8.5.0', 'curl/8.5.0'],
  ['tessera-e2e/A', 'tessera-e2e/A'],
  ['', ''],
];

test('a User-Agent reads as "<browser> on <system>"', () => {
  for (const [ua, want] of AGENTS) assert.equal(describeUserAgent(ua), want, ua);
  assert.equal(describeUserAgent(undefined), '');
});

test('an unknown long User-Agent is cut short at a word, with an ellipsis', () => {
  const raw = 'python-requests/2.31.0 some-long-tool-name/1.2.3 (+build 20240101; extra stuff)';
  const short = shortForm(raw);
  assert.ok(short.length <= 41, short);
  assert.ok(short.endsWith('…'), short);
  assert.ok(raw.startsWith(short.slice(0, -1)), short);
  assert.equal(describeUserAgent(raw), short);
  assert.equal(shortForm('x'.repeat(60)), `${'x'.repeat(40)}…`);
});

test('Retry-After reads as a wait a person understands', () => {
  assert.equal(waitText('900'), 'in 15 minutes');
  assert.equal(waitText('60'), 'in 1 minute');
  assert.equal(waitText('61'), 'in 2 minutes');
  assert.equal(waitText('45'), 'in 45 seconds');
  assert.equal(waitText('1'), 'in a few seconds');
  assert.equal(waitText('7200'), 'in 2 hours');
  const now = Date.parse('2025-01-01T12:00:00Z');
  assert.equal(waitText('Wed, 01 Jan 2025 12:10:00 GMT', now), 'in 10 minutes');
  assert.equal(waitText(null), 'later');
  assert.equal(waitText('soon'), 'later');
});

// ApiError(status, title, detail, retryAfter, code, body)
test('a failed request is told without HTTP words, in the page\'s words where it has some', () => {
  const login401 = new ApiError(401, 'Unauthorized', 'invalid email or password', null, '');
  const limited = new ApiError(429, 'Too Many Requests', 'too many failed attempts', '900', '');
  const weak = new ApiError(422, 'Unprocessable Content', 'password must be at least 8 characters');
  const code = new ApiError(401, 'Unauthorized', 'the code is not valid', null, 'invalid_code');
  const said = [
    describeError(limited),
    describeError(login401),
    describeError(login401, { 401: 'Your current password is not correct.' }),
    describeError(weak),
    describeError(code, { 401: 'Your current password is not correct.' }),
    describeError(code, { invalid_code: 'That recovery code is not correct.' }),
    describeError(new ApiError(0, 'Network error', '', null)),
    describeError(new ApiError(500, 'Internal Server Error', 'internal error', null)),
    describeError(new PageError('This device already holds a passkey for your account.')),
    describeError(new TypeError('x is undefined')),
  ];
  assert.deepEqual(said, [
    'Too many attempts. Try again in 15 minutes.',
    'You are signed out. Sign in again to continue.',
    'Your current password is not correct.',
    'Password must be at least 8 characters.',
    'That code is not correct. Check it and try again.', // the code outranks the status
    'That recovery code is not correct.',
    'The server could not be reached. Check your connection and try again.',
    'Something went wrong on the server. Try again later.',
    'This device already holds a passkey for your account.',
    'Something went wrong on this page. Reload it and try again.',
  ]);
  for (const text of said) {
    assert.doesNotMatch(text, /\b(HTTP|Unauthorized|Too Many|\d{3}\b|Retry-After| s\))/, text);
  }
});

// The cases the server's twin of describeError (src/api/page_words.h) is checked against too:
// a page answered without JavaScript says what the script says.
test('the script and the server describe a refusal in the same words', () => {
  const { cases } = JSON.parse(
    fs.readFileSync(new URL('./problem_words.json', import.meta.url), 'utf8'),
  );
  assert.ok(cases.length > 10);
  for (const c of cases) {
    const err = new ApiError(c.status, 'T', c.detail, c.retry_after ?? null, c.code ?? '');
    assert.equal(describeError(err, c.own ?? {}), c.words, JSON.stringify(c));
  }
});

// web.cookie_domain renames the CSRF cookie (src/api/cookie_names.h); the page finds either, the
// host-only one first (no other host can plant it), and refuses a name sent twice.
test('csrfToken reads either CSRF cookie, the __Host- one first, never a duplicate', () => {
  const cases = [
    ['', ''],
    ['a=1; __Host-tessera_csrf=h1', 'h1'],
    ['a=1; __Secure-tessera_csrf=s1; b=2', 's1'],
    ['__Secure-tessera_csrf=s1; __Host-tessera_csrf=h1', 'h1'],
    ['__Host-tessera_csrf=h1; __Host-tessera_csrf=h2', ''],
    ['__Secure-tessera_csrf=s1; __Secure-tessera_csrf=s2', ''],
    ['__Host-tessera_csrfx=no; x__Secure-tessera_csrf=no', ''],
  ];
  const saved = globalThis.document;
  try {
    for (const [cookie, want] of cases) {
      globalThis.document = { cookie };
      assert.equal(csrfToken(), want, cookie);
    }
  } finally {
    globalThis.document = saved;
  }
});
