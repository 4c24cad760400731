// A session's User-Agent header in words a person knows: "Chrome on Linux", "Safari on
// iPhone", "Firefox on Windows". The account page shows this and keeps the raw header in a
// title attribute. No library: the common browsers and systems are told apart by a few
// tokens, and anything else is shown as a short form of the raw string.
//
// A User-Agent is a claim, not a fact: any program may send any string. This is a label to
// help the person recognise their own devices, never something to decide on.
//
// Order matters, because browsers copy each other's tokens: Edge, Opera and Samsung Internet
// all say "Chrome/", and every Chromium browser and iOS browser says "Safari/". So the
// specific tokens are tried before the generic ones.

// [browser name, pattern], the first match wins.
const BROWSERS = [
  ['Samsung Internet', /\bSamsungBrowser\//],
  // Edg/ (desktop, since the Chromium-based Edge), EdgA/ (Android), EdgiOS/ (iOS), Edge/ (the
  // old EdgeHTML one).
  ['Edge', /\bEdg(e|A|iOS)?\//],
  // OPR/ (desktop and Android), OPiOS/ and OPT/ (Opera on iOS), Opera/ (Presto and Mini).
  ['Opera', /\b(OPR|OPiOS|OPT)\/|^Opera\//],
  // FxiOS/ is Firefox on iOS (WebKit inside, like every iOS browser).
  ['Firefox', /\b(Firefox|FxiOS)\//],
  // CriOS/ is Chrome on iOS; HeadlessChrome/ says Chrome/ too.
  ['Chrome', /\b(Chrome|CriOS)\/|HeadlessChrome\//],
  ['Chromium', /\bChromium\//],
  // Safari says "Version/N ... Safari/"; an iOS app's embedded web view says neither.
  ['Safari', /\bVersion\/[\d.]+.*\bSafari\//],
];

// [system name, pattern], the first match wins. The phones and tablets come before macOS
// ("iPhone; CPU iPhone OS 17_4 like Mac OS X") and Linux (Android and ChromeOS say "Linux").
//
// iPadOS caveat: since iPadOS 13, Safari on an iPad asks for desktop sites by default and
// sends the Mac's User-Agent ("Macintosh; Intel Mac OS X 10_15_7"). A server cannot tell it
// from a Mac (a page could, from navigator.maxTouchPoints, but this is a stored header), so
// such an iPad is shown as "Safari on macOS".
const SYSTEMS = [
  ['iPhone', /\biPhone\b/],
  ['iPad', /\biPad\b/],
  ['iPod touch', /\biPod\b/],
  ['Android', /\bAndroid\b/],
  ['ChromeOS', /\bCrOS\b/],
  ['Windows', /\bWindows\b/],
  ['macOS', /\bMacintosh\b|\bMac OS X\b/],
  ['Linux', /\bLinux\b|\bX11\b/],
];

// How long a raw string may be shown whole.
const SHORT = 40;

function first(table, ua) {
  const hit = table.find(([, pattern]) => pattern.test(ua));
  return hit ? hit[0] : '';
}

// The raw string, or its start up to a word break near SHORT characters and an ellipsis.
export function shortForm(ua) {
  const text = String(ua ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  if (text.length <= SHORT) return text;
  const cut = text.lastIndexOf(' ', SHORT);
  return `${text.slice(0, cut > SHORT / 2 ? cut : SHORT).replace(/[\s;,(]+$/, '')}…`;
}

// "Chrome on Linux"; "Chrome" when the system is unknown; "Unknown browser on iPhone" when
// only the system is known (an app's web view); else shortForm(ua); '' for no header.
export function describeUserAgent(ua) {
  const text = String(ua ?? '');
  const browser = first(BROWSERS, text);
  const system = first(SYSTEMS, text);
  if (browser && system) return `${browser} on ${system}`;
  if (browser) return browser;
  if (system) return `Unknown browser on ${system}`;
  return shortForm(text);
}
