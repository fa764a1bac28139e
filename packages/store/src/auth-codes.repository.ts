import { createHash } from 'node:crypto';
import type { Models } from './models.js';
import type { SecretBox } from './secret-box.js';

const idOf = (componentAppId: string, code: string): string => createHash('sha256').update(`${componentAppId}\u0000${code}`).digest('hex');

/**
 * Which job exchanges an authorization code. The redirect and the `authorized` push carry the
 * same code: the first to claim it does the work; the other sees the claim and does nothing.
 * A retry of the winning job (same owner) may continue, also after it failed for good (the
 * operator's retry from /admin once the configuration is fixed).
 */
export class AuthCodesRepository {
  constructor(
    private readonly models: Models,
    private readonly box: SecretBox,
  ) {}

  /**
   * Keeps what api_query_auth answered (sealed: it holds tokens) until the exchange finishes. A
   * code works once, so a retry after a later step failed must reuse it instead of asking again.
   */
  async saveExchange(componentAppId: string, code: string, result: unknown): Promise<void> {
    const sealed = this.box.seal(JSON.stringify({ result, at: Date.now() }));
    await this.models.authCode.updateOne({ _id: idOf(componentAppId, code) }, { $set: { exchange: sealed } });
  }

  /** The saved answer and when it came, or null. */
  async savedExchange<T>(componentAppId: string, code: string): Promise<{ result: T; at: number } | null> {
    const doc = await this.models.authCode.findById(idOf(componentAppId, code)).lean();
    return doc?.exchange ? (JSON.parse(this.box.open(doc.exchange)) as { result: T; at: number }) : null;
  }

  async claim(componentAppId: string, code: string, owner: string): Promise<'won' | 'lost'> {
    const _id = idOf(componentAppId, code);
    try {
      await this.models.authCode.create({
        _id,
        owner,
        componentAppId,
        status: 'processing',
        outcome: null,
        authorizerAppId: null,
        queriedAt: null,
        createdAt: new Date(),
      });
      return 'won';
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
      const existing = await this.models.authCode.findById(_id).lean();
      if (existing?.owner !== owner) return 'lost';
      if (existing.status === 'processing') return 'won';
      // The owner's job failed for good (a WeChat refusal such as 61004 that leaves the code unused)
      // and an operator retries it: the same job may try once more; a finished exchange stays done.
      if (existing.status !== 'failed') return 'lost';
      const reopened = await this.models.authCode.updateOne(
        { _id, owner, status: 'failed' },
        { $set: { status: 'processing', outcome: null } },
      );
      return reopened.modifiedCount === 1 ? 'won' : 'lost';
    }
  }

  /**
   * The event type of this code's exchange, decided by the first run: the job runs at least once,
   * and a run after a crash reads the account its first run already stored as authorized (which
   * would make the event `updateauthorized`). Returns the type recorded first.
   */
  async decideEventType(
    componentAppId: string,
    code: string,
    type: 'authorized' | 'updateauthorized',
  ): Promise<'authorized' | 'updateauthorized'> {
    const _id = idOf(componentAppId, code);
    await this.models.authCode.updateOne({ _id, eventType: { $exists: false } }, { $set: { eventType: type } });
    return (await this.models.authCode.findById(_id).lean())?.eventType ?? type;
  }

  /**
   * Called by the claim's owner right before api_query_auth; true when a query was sent before
   * (a retry after a timeout: WeChat may have used the code up already).
   */
  async markQueried(componentAppId: string, code: string): Promise<boolean> {
    const _id = idOf(componentAppId, code);
    const before = await this.models.authCode.findById(_id).lean();
    if (before?.queriedAt) return true;
    await this.models.authCode.updateOne({ _id }, { $set: { queriedAt: new Date() } });
    return false;
  }

  /** A push that lost the claim names the account the code is for (the redirect does not). */
  async noteAuthorizer(componentAppId: string, code: string, authorizerAppId: string): Promise<void> {
    await this.models.authCode.updateOne({ _id: idOf(componentAppId, code), authorizerAppId: null }, { $set: { authorizerAppId } });
  }

  async finish(
    componentAppId: string,
    code: string,
    result: { status: 'done' | 'failed'; outcome: string; authorizerAppId: string | null },
  ): Promise<void> {
    await this.models.authCode.updateOne({ _id: idOf(componentAppId, code) }, { $set: { ...result, exchange: null } });
  }

  async outcome(
    componentAppId: string,
    code: string,
  ): Promise<{ status: string; outcome: string | null; authorizerAppId: string | null; createdAt: Date } | null> {
    const doc = await this.models.authCode.findById(idOf(componentAppId, code)).lean();
    return doc ? { status: doc.status, outcome: doc.outcome, authorizerAppId: doc.authorizerAppId, createdAt: doc.createdAt } : null;
  }

  /** No TTL indexes on FerretDB: a scheduled job purges old claims. */
  async purgeOlderThan(date: Date): Promise<number> {
    return (await this.models.authCode.deleteMany({ createdAt: { $lt: date } })).deletedCount;
  }
}

/** One-use nonces of signed `state` values. */
export class StateNoncesRepository {
  constructor(private readonly models: Models) {}

  /** True the first time a nonce is presented, false on every replay. */
  async consume(nonce: string): Promise<boolean> {
    try {
      await this.models.stateNonce.create({ _id: nonce, usedAt: new Date() });
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return false;
      throw error;
    }
  }

  /** States expire, so their nonces can go once older than the longest state lifetime. */
  async purgeOlderThan(date: Date): Promise<number> {
    return (await this.models.stateNonce.deleteMany({ usedAt: { $lt: date } })).deletedCount;
  }
}
