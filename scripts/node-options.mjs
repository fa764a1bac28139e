// An app's Node flags are the `nodeOptions` of its package.json: `npm start` and the benches start
// the app with them through this, the Dockerfile reads the same field itself.
import { readFileSync } from 'node:fs';

/** The Node flags of apps/<name>, as argv entries. */
export function appNodeOptions(name) {
  const manifest = JSON.parse(readFileSync(new URL(`../apps/${name}/package.json`, import.meta.url), 'utf8'));
  return (manifest.nodeOptions ?? '').split(' ').filter(Boolean);
}
