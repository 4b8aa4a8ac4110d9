// Starts the real `repere` server on a free loopback port with a fresh data folder
// (and, for a test file, headless Chromium with it).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch } from './browser.mjs';

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the browser tests with \`cargo xtask test\``);
  }
  return value;
}

/**
 * Starts `repere serve` on 127.0.0.1 with port 0 and a temporary data folder.
 * Resolves to { url, dataDir, stop() } once the server prints its address.
 */
export async function startServer({ extraArgs = [], dataDir } = {}) {
  const bin = required('REPERE_BIN');
  const dist = required('REPERE_DIST');
  const data = dataDir ?? mkdtempSync(join(tmpdir(), 'repere-e2e-'));
  // One address, one kiosk, many people in minutes: the submission limits
  // (20 anonymous results per address in 10 minutes, 30 an hour per kiosk) are
  // raised, unless the test sets its own; the HTTP tests
  // (tests/tests/server_security.rs) check them.
  const limits = ['--anonymous-limit', '--kiosk-limit']
    .filter((flag) => !extraArgs.includes(flag))
    .flatMap((flag) => [flag, '100000']);
  const child = spawn(
    bin,
    ['serve', '--addr', '127.0.0.1', '--port', '0', '--data', data, '--dist', dist,
      ...limits, ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: 'warn' } },
  );
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const m = output.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with code ${code}:\n${output}`));
    });
  });
  return {
    url,
    dataDir: data,
    output: () => output,
    async stop({ keepData = false } = {}) {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      if (!keepData && !dataDir) rmSync(data, { recursive: true, force: true });
    },
  };
}

/**
 * What a test file starts in its `before`: the server (`options`: see
 * `startServer`), then Chromium. Resolves to `{ server, browser }`; if Chromium
 * does not start, the server is stopped before the error goes on.
 */
export async function startServerAndBrowser(options = {}) {
  const server = await startServer(options);
  try {
    return { server, browser: await launch() };
  } catch (e) {
    await server.stop();
    throw e;
  }
}

/** What a test file stops in its `after`: Chromium, then the server (either may be missing). */
export async function stopServerAndBrowser({ server, browser }) {
  await browser?.close();
  await server?.stop();
}
