// Makes sure Debian's Chromium is there for the headless-browser tests (test/browser).
// Playwright's own browser download cannot work here; Debian's package can.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (existsSync(path)) process.exit(0);
if (process.getuid?.() !== 0) {
  console.error(`[browser] ${path} is missing: install Debian's chromium (sudo apt-get install chromium) or set CHROMIUM_PATH`);
  process.exit(1);
}
console.log('[browser] installing chromium (apt-get, once)');
try {
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
} catch {
  execFileSync('apt-get', ['update'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}
