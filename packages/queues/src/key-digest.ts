import { createHash } from 'node:crypto';

/**
 * A fixed-length hex key for Redis and BullMQ built from values (a dedupe key, an auth code, a
 * pre_auth_code, a push's XML): short, free of ':' (BullMQ refuses it in custom job ids) and of
 * the values themselves. Parts are joined with NUL, so ('a', 'bc') and ('ab', 'c') differ.
 * `hexChars` is part of the key: changing it strands what Redis already holds under the old one.
 */
export function keyDigest(parts: string | readonly string[], hexChars: number): string {
  const text = typeof parts === 'string' ? parts : parts.join('\u0000');
  return createHash('sha256').update(text).digest('hex').slice(0, hexChars);
}
