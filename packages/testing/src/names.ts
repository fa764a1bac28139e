import { randomBytes } from 'node:crypto';

/**
 * A name no other test file or run uses, so suites can run in parallel against one Redis and
 * one MongoDB without seeing each other's data. Mongo database names stay under 38 bytes.
 */
export function uniqueName(label: string): string {
  const safe = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 20);
  return `t-${safe}-${randomBytes(4).toString('hex')}`;
}
