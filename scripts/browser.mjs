// Makes sure Debian's Chromium and CJK fonts are there for the headless-browser tests (test/browser).
// Playwright's own browser download cannot work here; Debian's packages can. Without
// fonts-noto-cjk, Chinese text renders as empty boxes in the screenshots.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const missing = [];
if (!existsSync(path)) missing.push('chromium');
if (!existsSync('/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc')) missing.push('fonts-noto-cjk');
if (missing.length === 0) process.exit(0);
if (process.getuid?.() !== 0) {
  console.error(`[browser] missing: ${missing.join(', ')}: sudo apt-get install ${missing.join(' ')} (or set CHROMIUM_PATH)`);
  process.exit(missing.includes('chromium') ? 1 : 0);
}
console.log(`[browser] installing ${missing.join(', ')} (apt-get, once)`);
const install = () =>
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
try {
  install();
} catch {
  execFileSync('apt-get', ['update'], { stdio: 'inherit' });
  install();
}
