// Processes and browsers for the end-to-end tests: the real `tessera` binary on an ephemeral
// port, its CLI, and Debian's Chromium driven by playwright-core (no browser download).
//
// Every child process is killed by its own PID: by stop() (SIGTERM, then SIGKILL after a
// grace period), and, should the test runner die first, by an exit hook (SIGKILL).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// Resolves when `child` exits (at once if it already has).
function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', resolve));
}

// Stops `child` by PID: SIGTERM, then SIGKILL if it is still there after `graceMs`.
async function stopChild(child, graceMs = 10000) {
  if (child.exitCode === null && child.signalCode === null) {
    process.kill(child.pid, 'SIGTERM');
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

// Starts `tessera serve --listen 127.0.0.1:0 --data-dir DIR` and waits for its
// "listening on http://127.0.0.1:PORT" line. Returns {url, pid, stderr(), stop()}.
export async function startTessera(binary, dataDir, extraArgs = []) {
  const args = ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, ...extraArgs];
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

// Creates a user with the admin CLI, password on stdin (not a terminal, so no prompt).
export async function addUser(binary, dataDir, email, password, roles = ['user']) {
  const args = ['user', 'add', email, '--data-dir', dataDir];
  for (const role of roles) args.push('--role', role);
  const r = await runTessera(binary, args, `${password}\n`);
  if (r.code !== 0) {
    throw new Error(`tessera ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
  }
  return r;
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
