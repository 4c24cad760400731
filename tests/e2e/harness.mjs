// Processes and browsers for the end-to-end tests: the real `tessera` binary on an ephemeral
// port, its CLI, a real SMTP server (tests/mail/smtp_sink.py), and Debian's Chromium driven by
// playwright-core (no browser download).
//
// Every child process is killed by its own PID: by stop() (SIGTERM, then SIGKILL after a
// grace period), and, should the test runner die first, by an exit hook (SIGKILL).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// The tessera binary: $TESSERA_BINARY, else the first argument (`node login_flow.mjs BIN`).
export function tesseraBinary() {
  const bin = process.env.TESSERA_BINARY || process.argv[2];
  if (!bin)
    throw new Error('set TESSERA_BINARY (or pass the tessera binary as the first argument)');
  if (!fs.existsSync(bin)) throw new Error(`tessera binary not found: ${bin}`);
  return bin;
}

const live = new Set();
process.on('exit', () => {
  for (const child of live) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

// A free loopback port, for a server that must be told its port before it starts (e.g. one
// whose URL an upstream provider must know). Another process could take it in between: tests
// bind it at once.
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// Resolves when `child` exits (at once if it already has).
function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', resolve));
}

// Registers `child` for the exit hook above (SIGKILL should the runner die first); stopChild
// forgets it. For any process a test starts, not only tessera's.
export function trackChild(child) {
  live.add(child);
  return child;
}

// Stops `child` by PID: `signal` (SIGTERM; nginx drains on SIGQUIT), then SIGKILL if it is
// still there after `graceMs`.
export async function stopChild(child, graceMs = 10000, signal = 'SIGTERM') {
  if (child.exitCode === null && child.signalCode === null) {
    process.kill(child.pid, signal);
    let timer;
    const timedOut = new Promise((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    if ((await Promise.race([exited(child), timedOut])) === 'timeout') {
      process.kill(child.pid, 'SIGKILL');
      await exited(child);
    }
    clearTimeout(timer);
  }
  live.delete(child);
}

// Starts `tessera serve --listen LISTEN --data-dir DIR` (LISTEN: 127.0.0.1:0 unless a test
// needs a port known in advance, e.g. an upstream provider's redirect URI) and waits for its
// "listening on http://127.0.0.1:PORT" line. Returns {url, pid, stderr(), stop()}.
export async function startTessera(binary, dataDir, extraArgs = [], listen = '127.0.0.1:0') {
  const args = ['serve', '--listen', listen, '--data-dir', dataDir, ...extraArgs];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "listening on" line in 20 s; stderr:\n${stderr}`)),
      20000,
    );
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /listening on (https?:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`tessera serve exited (${code ?? signal}) before listening; stderr:\n${stderr}`),
      );
    });
    child.once('error', reject);
  }).catch(async (err) => {
    await stopChild(child);
    throw err;
  });
  child.stdout.resume();
  return { url, pid: child.pid, stderr: () => stderr, stop: () => stopChild(child) };
}

// The SMTP server for tests (tests/mail/smtp_sink.py, on Debian's python3-aiosmtpd): started
// with `spool` (an existing directory) and waited for until it prints its port. Resolves to
// {port, pid, stderr(), stop()}; stop() ends it by its PID (also done at exit, as for every
// child here). Each message it accepts is in `spool` as NNNN.json before the client hears 250.
export const SMTP_SINK = fileURLToPath(new URL('../mail/smtp_sink.py', import.meta.url));
export const PYTHON = process.env.TESSERA_PYTHON || '/usr/bin/python3';

export async function startSmtpSink(spool) {
  const child = spawn(PYTHON, [SMTP_SINK, spool], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`smtp_sink printed no port in 10 s; stderr:\n${stderr}`)),
      10000,
    );
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /^(\d+)\n/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`smtp_sink exited (${code ?? signal}) before listening; stderr:\n${stderr}`),
      );
    });
    child.once('error', reject);
  }).catch(async (err) => {
    await stopChild(child, 2000);
    throw err;
  });
  child.stdout.resume();
  return { port, pid: child.pid, stderr: () => stderr, stop: () => stopChild(child, 2000) };
}

// Runs `tessera ARGS...` with `input` on stdin; resolves to {code, stdout, stderr}.
export function runTessera(binary, args, input = '', timeoutMs = 30000) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      process.kill(child.pid, 'SIGKILL');
      reject(new Error(`tessera ${args.join(' ')} timed out`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      live.delete(child);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code: code ?? signal, stdout, stderr });
    });
    child.stdin.on('error', () => {}); // a CLI that exits without reading stdin
    child.stdin.end(input);
  });
}

// runTessera that throws unless the command exits 0.
async function runTesseraOk(binary, args, input = '') {
  const r = await runTessera(binary, args, input);
  if (r.code !== 0) {
    throw new Error(`tessera ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
  }
  return r;
}

// Creates a user with the admin CLI, password on stdin (not a terminal, so no prompt).
export function addUser(binary, dataDir, email, password, roles = ['user']) {
  const args = ['user', 'add', email, '--data-dir', dataDir];
  for (const role of roles) args.push('--role', role);
  return runTesseraOk(binary, args, `${password}\n`);
}

// Registers an OAuth client: `tessera client add ARGS... --data-dir DIR` (docs/oauth-clients.md).
// Resolves to the client it prints (client_id, and client_secret when it has one).
export async function addClient(binary, dataDir, args) {
  const r = await runTesseraOk(binary, ['client', 'add', ...args, '--data-dir', dataDir]);
  return JSON.parse(r.stdout);
}

// Runs `fn({binary, server, dataDir})` against a fresh `tessera serve` with its own data dir and,
// when `config` is given, that TOML as --config (and `listen`, when given, as --listen). `fn` resolves to whether everything passed; if
// not (or it throws), the server's stderr goes to the test's diagnostics. The server is stopped
// and the directory removed either way.
export async function withTessera(t, { name, config, listen }, fn) {
  const binary = tesseraBinary();
  const dir = tempDir(`tessera-e2e-${name}-`);
  const dataDir = path.join(dir, 'data');
  const extraArgs = [];
  if (config !== undefined) {
    fs.writeFileSync(path.join(dir, 'tessera.toml'), config);
    extraArgs.push('--config', path.join(dir, 'tessera.toml'));
  }
  const server = await startTessera(binary, dataDir, extraArgs, listen);
  t.diagnostic(`tessera serve (${name}) at ${server.url} (pid ${server.pid})`);
  let ok = false;
  try {
    ok = await fn({ binary, server, dataDir });
  } finally {
    await server.stop();
    if (!ok) {
      t.diagnostic('server stderr (last 4 KiB):');
      for (const line of server.stderr().slice(-4096).split('\n')) t.diagnostic(line);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Steps of one scenario as subtests of `t`, run in order; after the first failure the rest are
// skipped (they would fail for the same reason). `onFailure(st)` may add diagnostics (where
// each browser stood) before the error is reported. Returns step(name, fn) and ok().
// Where `page` is and the words it shows (error and status lines, or `selector`), for a failed
// step's diagnostics: "http://.../account, showing: ...".
export async function describePage(
  page,
  selector = '.error:not([hidden]), .status:not([hidden])',
) {
  const said = await page
    .$$eval(selector, (els) => els.map((e) => e.textContent).join(' | '))
    .catch(() => '');
  return `${page.url()}${said ? `, showing: ${said}` : ''}`;
}

export function steps(t, onFailure = async () => {}) {
  let broken = false;
  const step = (name, fn) =>
    t.test(name, async (st) => {
      if (broken) {
        st.skip('an earlier step failed');
        return;
      }
      try {
        await fn(st);
      } catch (err) {
        broken = true;
        await onFailure(st);
        throw err;
      }
    });
  return { step, ok: () => !broken };
}

// Collects what `page` (called `label`) logs: CSP violations into `log.cspViolations`, console
// errors and uncaught exceptions into `log.scriptErrors`. A console error for a 401 or 403
// answer is expected (the pages probe /auth/* signed out), and so is one for a 429 (the flows
// reach the login rate limit on purpose): they are not collected.
export function watchPage(page, label, log) {
  page.on('console', (msg) => {
    if (/content.security.policy/i.test(msg.text())) {
      log.cspViolations.push(`${label}: ${msg.text()}`);
    } else if (msg.type() === 'error' && !/status of (40[13]|429)\b/.test(msg.text())) {
      const where = msg.location()?.url;
      log.scriptErrors.push(`${label} console: ${msg.text()}${where ? ` (${where})` : ''}`);
    }
  });
  page.on('pageerror', (err) => log.scriptErrors.push(`${label}: ${err.message}`));
}

// Headless Chromium as root in a container. Playwright starts it with a fresh temporary
// profile (--user-data-dir) of its own and deletes it on close; each newContext() is a
// separate cookie jar, i.e. a separate "browser" for the server.
export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}
