import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a signed `state` binds: the component, the shop, an expiry and a one-use nonce. */
export interface AuthorizeState {
  componentAppId: string;
  shopId: string;
  /** Unix milliseconds. */
  expiresAt: number;
  nonce: string;
}

export type StateProblem = 'malformed' | 'tampered' | 'expired';

/**
 * HMAC-SHA256 over the state's JSON, keyed from DATA_KEY (HKDF, its own label), so a state
 * cannot be forged or altered; replay is stopped by consuming the nonce on use.
 */
export class StateSigner {
  private readonly key: Buffer;

  /** Keys derived from DATA_KEY_PREVIOUS: a page opened before a DATA_KEY rotation still completes. */
  private readonly previous: Buffer[];

  constructor(
    dataKey: Buffer,
    private readonly ttlMs = 30 * 60_000,
    previousDataKeys: readonly Buffer[] = [],
  ) {
    this.key = StateSigner.derive(dataKey);
    this.previous = previousDataKeys.map((k) => StateSigner.derive(k));
  }

  private static derive(dataKey: Buffer): Buffer {
    return Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'weixin3rd authorize state', 32));
  }

  sign(componentAppId: string, shopId: string, now = Date.now()): { value: string; state: AuthorizeState } {
    const state: AuthorizeState = { componentAppId, shopId, expiresAt: now + this.ttlMs, nonce: randomBytes(16).toString('base64url') };
    const payload = Buffer.from(JSON.stringify([state.componentAppId, state.shopId, state.expiresAt, state.nonce])).toString('base64url');
    return { value: `${payload}.${this.mac(payload)}`, state };
  }

  verify(value: unknown, now = Date.now()): AuthorizeState | StateProblem {
    if (typeof value !== 'string') return 'malformed';
    const [payload, mac, extra] = value.split('.');
    if (!payload || !mac || extra !== undefined) return 'malformed';
    const given = Buffer.from(mac);
    const matches = (key: Buffer): boolean => {
      const expected = Buffer.from(this.mac(payload, key));
      return expected.length === given.length && timingSafeEqual(expected, given);
    };
    if (![this.key, ...this.previous].some(matches)) return 'tampered';
    let fields: unknown;
    try {
      fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return 'malformed';
    }
    if (!Array.isArray(fields) || fields.length !== 4) return 'malformed';
    const [componentAppId, shopId, expiresAt, nonce] = fields as [string, string, number, string];
    if (now > expiresAt) return 'expired';
    return { componentAppId, shopId, expiresAt, nonce };
  }

  private mac(payload: string, key = this.key): string {
    return createHmac('sha256', key).update(payload).digest('base64url');
  }
}
