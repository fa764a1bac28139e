import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';

/** The cookie that carries the opaque session id (HttpOnly, SameSite=Strict, expiring). */
export const SESSION_COOKIE = 'w3_session';
/** Double-submit cookie of the sign-in form, which has no session yet to hold its CSRF token. */
export const SIGN_IN_COOKIE = 'w3_signin';
/** A session lasts this long after sign-in, then the operator signs in again. */
export const SESSION_SECONDS = 8 * 3600;

export interface Session {
  /** Who, as the audit log writes it: the name given at sign-in and the token's fingerprint. */
  actor: string;
  /** The synchronizer token every admin form carries. */
  csrf: string;
  expiresAt: string;
  /** A one-time message for the next page. */
  flash?: string;
  /** A refused form's fields, one time, so the page it returns to shows them again to correct. */
  draft?: { form: string; fields: Record<string, string> };
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Eight hex digits that name an API token in the audit log without revealing it. */
export const tokenFingerprint = (token: string): string => sha256(token).slice(0, 8);

/** Equal strings in constant time (CSRF tokens, API tokens). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const randomToken = (): string => randomBytes(32).toString('base64url');

/**
 * Sessions held in Redis under the SHA-256 of their id: the cookie is a random opaque value, a
 * forged one names nothing, and a copy of Redis does not give working cookies. Every console
 * instance sees every session, and each expires by itself (Redis TTL).
 */
export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(id: string): string {
    return `${this.prefix}:console-session:${sha256(id)}`;
  }

  async create(actor: string): Promise<{ id: string; session: Session }> {
    const id = randomToken();
    const session: Session = { actor, csrf: randomToken(), expiresAt: new Date(Date.now() + SESSION_SECONDS * 1000).toISOString() };
    await this.redis.set(this.key(id), JSON.stringify(session), 'EX', SESSION_SECONDS);
    return { id, session };
  }

  async get(id: string | undefined): Promise<Session | null> {
    if (!id || id.length > 100) return null;
    const raw = await this.redis.get(this.key(id));
    return raw ? (JSON.parse(raw) as Session) : null;
  }

  /** Rewrites the session keeping its expiry (KEEPTTL). */
  async update(id: string, session: Session): Promise<void> {
    await this.redis.set(this.key(id), JSON.stringify(session), 'KEEPTTL', 'XX');
  }

  async destroy(id: string): Promise<void> {
    await this.redis.del(this.key(id));
  }
}
