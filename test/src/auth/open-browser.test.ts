import test from 'ava';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { openBrowser } from '../../../src/auth/open-browser.js';

test('disabled by SWIFTPATTERNS_NO_BROWSER=1, and for non-http URLs', (t) => {
  const off = { SWIFTPATTERNS_NO_BROWSER: '1', PATH: '/usr/bin:/bin' };
  t.is(openBrowser('http://127.0.0.1/x', { env: off, platform: 'linux' }), null);
  const on = { PATH: '/usr/bin:/bin' };
  t.is(openBrowser('file:///etc/passwd', { env: on, platform: 'linux' }), null);
});

test('skips silently when no launcher is on PATH', (t) => {
  t.is(openBrowser('http://127.0.0.1/x', { env: { PATH: '' }, platform: 'linux' }), null);
});

test('passes the URL as one argument, never through a shell', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sp-browser-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'args.txt');
  const canary = path.join(dir, 'pwned');
  // A stand-in xdg-open that records its arguments, one per line.
  await writeFile(path.join(dir, 'xdg-open'),
    '#!/bin/sh\n'
    + `for a in "$@"; do printf '%s\\n' "$a"; done > "${out}.tmp"\n`
    + `mv "${out}.tmp" "${out}"\n`);
  await chmod(path.join(dir, 'xdg-open'), 0o755);

  const url = `http://127.0.0.1/cb?a=1&b=$(touch ${canary});c=\`touch ${canary}\``;
  const used = openBrowser(url, { env: { PATH: `${dir}:/usr/bin:/bin` }, platform: 'linux' });
  t.is(used, 'xdg-open');

  let text: string | null = null;
  for (let i = 0; i < 200 && text === null; i += 1) {
    text = await readFile(out, 'utf8').catch(() => null);
    if (text === null) await delay(25);
  }
  t.is(text, `${url}\n`);
  await t.throwsAsync(stat(canary));
});
