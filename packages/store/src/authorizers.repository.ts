import type { AuthorizerDoc, Models } from './models.js';
import type { SecretBox } from './secret-box.js';

/** Account fields from api_get_authorizer_info. */
export interface AuthorizerAccount {
  kind: 'official' | 'mini';
  nickName: string;
  headImg: string | null;
  userName: string;
  principalName: string | null;
  alias: string | null;
  qrcodeUrl: string | null;
  /** Missing from api_get_authorizer_info for some account types (wechat-protocol.md §11.5). */
  serviceType: number | null;
  verifyType: number | null;
}

export interface AuthorizedInput {
  componentAppId: string;
  appId: string;
  refreshToken: string;
  accessToken: string | null;
  accessTokenExpiresAt: Date | null;
  funcInfo: number[];
  account: AuthorizerAccount;
  /** Unix seconds of this change (push CreateTime or redirect receipt); default now. */
  changeAt?: number;
}

/** An authorizer as the rest of the system sees it: secrets opened, never serialised as is. */
export type Authorizer = Omit<AuthorizerDoc, 'refreshToken' | 'accessToken'> & { refreshToken: string | null; accessToken: string | null };

export interface AuthorizerFilter {
  componentAppId?: string;
  shopId?: string;
  status?: AuthorizerDoc['status'];
}

export type BindResult = 'bound' | 'unchanged' | 'already_bound';

/** What a token sweep needs of a due account. */
export type ExpiringAuthorizer = Pick<AuthorizerDoc, 'componentAppId' | 'appId' | 'accessTokenExpiresAt' | 'tokenVersion'>;

export class AuthorizersRepository {
  constructor(
    private readonly models: Models,
    private readonly box: SecretBox,
  ) {}

  async find(componentAppId: string, appId: string): Promise<Authorizer | null> {
    const doc = await this.models.authorizer.findOne({ componentAppId, appId }).lean();
    return doc ? this.open(doc) : null;
  }

  /** (Re-)authorization: stores the new refresh token and account; returns the previous state. */
  async upsertAuthorized(input: AuthorizedInput): Promise<{ previous: Authorizer | null; current: Authorizer }> {
    const previous = await this.find(input.componentAppId, input.appId);
    const { changeAt, ...fields } = input;
    await this.models.authorizer.updateOne(
      { componentAppId: input.componentAppId, appId: input.appId },
      {
        $set: {
          status: 'authorized',
          ...fields.account,
          funcInfo: fields.funcInfo,
          refreshToken: this.box.seal(fields.refreshToken),
          accessToken: fields.accessToken ? this.box.seal(fields.accessToken) : null,
          accessTokenExpiresAt: fields.accessTokenExpiresAt,
          lastChangeAt: Math.max(previous?.lastChangeAt ?? 0, changeAt ?? Math.floor(Date.now() / 1000)),
          authorizedAt: new Date(),
          unauthorizedAt: null,
        },
        $setOnInsert: { shopId: null },
        $inc: { tokenVersion: 1 },
      },
      { upsert: true },
    );
    return { previous, current: (await this.find(input.componentAppId, input.appId)) as Authorizer };
  }

  /**
   * Creates an account learned from WeChat (not from an exchange), shop unbound. Returns it, or
   * null when the account already exists: a concurrent exchange's tokens are never overwritten.
   */
  async insertIfAbsent(input: AuthorizedInput): Promise<Authorizer | null> {
    const res = await this.models.authorizer.updateOne(
      { componentAppId: input.componentAppId, appId: input.appId },
      {
        $setOnInsert: {
          status: 'authorized',
          ...input.account,
          funcInfo: input.funcInfo,
          refreshToken: this.box.seal(input.refreshToken),
          accessToken: input.accessToken ? this.box.seal(input.accessToken) : null,
          accessTokenExpiresAt: input.accessTokenExpiresAt,
          authorizedAt: new Date(),
          unauthorizedAt: null,
          shopId: null,
          tokenVersion: 1,
        },
      },
      { upsert: true },
    );
    return res.upsertedCount === 1 ? this.find(input.componentAppId, input.appId) : null;
  }

  /** Revoked: tokens dropped, the shop binding kept for history. */
  async markUnauthorized(componentAppId: string, appId: string): Promise<Authorizer | null> {
    await this.models.authorizer.updateOne(
      { componentAppId, appId },
      {
        $set: { status: 'unauthorized', refreshToken: null, accessToken: null, accessTokenExpiresAt: null, unauthorizedAt: new Date() },
        $inc: { tokenVersion: 1 },
      },
    );
    return this.find(componentAppId, appId);
  }

  /**
   * `unauthorized` pushed at `changeAt` (CreateTime): applied unless a newer change was applied
   * already (a late or retried push after a re-authorization). `authorizer` is null for an
   * account never seen.
   */
  async markUnauthorizedIfNewer(
    componentAppId: string,
    appId: string,
    changeAt: number,
  ): Promise<{ applied: boolean; authorizer: Authorizer | null }> {
    const res = await this.models.authorizer.updateOne(
      { componentAppId, appId, $or: [{ lastChangeAt: null }, { lastChangeAt: { $lte: changeAt } }] },
      {
        $set: {
          status: 'unauthorized',
          refreshToken: null,
          accessToken: null,
          accessTokenExpiresAt: null,
          unauthorizedAt: new Date(),
          lastChangeAt: changeAt,
        },
        $inc: { tokenVersion: 1 },
      },
    );
    return { applied: res.matchedCount === 1, authorizer: await this.find(componentAppId, appId) };
  }

  /** A push for a code another job exchanged still dates the change it announced. */
  async noteChange(componentAppId: string, appId: string, changeAt: number): Promise<void> {
    await this.models.authorizer.updateOne(
      { componentAppId, appId, $or: [{ lastChangeAt: null }, { lastChangeAt: { $lt: changeAt } }] },
      { $set: { lastChangeAt: changeAt } },
    );
  }

  /** One shop per account: binding to a second shop needs `rebind`. */
  async bindShop(componentAppId: string, appId: string, shopId: string, options: { rebind?: boolean } = {}): Promise<BindResult> {
    const filter = options.rebind ? { componentAppId, appId } : { componentAppId, appId, shopId: { $in: [null, shopId] } };
    const before = await this.models.authorizer.findOne({ componentAppId, appId }, { shopId: 1 }).lean();
    if (before?.shopId === shopId) return 'unchanged';
    const res = await this.models.authorizer.updateOne(filter, { $set: { shopId } });
    return res.modifiedCount === 1 ? 'bound' : 'already_bound';
  }

  /** Finds an account by appid, in one component or the first that has it. */
  async findByAppId(appId: string, componentAppId?: string): Promise<Authorizer | null> {
    const doc = await this.models.authorizer
      .findOne(componentAppId ? { componentAppId, appId } : { appId })
      .sort({ componentAppId: 1 })
      .lean();
    return doc ? this.open(doc) : null;
  }

  /** A page of authorizers matching the filters, newest change first. */
  async list(filter: AuthorizerFilter, page: number, pageSize: number): Promise<{ items: Authorizer[]; total: number }> {
    const query: Record<string, string> = {};
    if (filter.componentAppId) query.componentAppId = filter.componentAppId;
    if (filter.shopId) query.shopId = filter.shopId;
    if (filter.status) query.status = filter.status;
    const [docs, total] = await Promise.all([
      this.models.authorizer
        .find(query)
        .sort({ updatedAt: -1, appId: 1 })
        .skip((page - 1) * pageSize)
        .limit(pageSize)
        .lean(),
      this.models.authorizer.countDocuments(query),
    ]);
    return { items: docs.map((d) => this.open(d)), total };
  }

  /** Appids of a component's authorizers in a status (reconciliation compares them with WeChat's list). */
  async appIds(componentAppId: string, status: AuthorizerDoc['status']): Promise<string[]> {
    return (await this.models.authorizer.find({ componentAppId, status }, { appId: 1 }).lean()).map((d) => d.appId);
  }

  /** WeChat still lists the account: take its refresh token back (api_get_authorizer_list). */
  async restoreRefreshToken(componentAppId: string, appId: string, refreshToken: string): Promise<void> {
    await this.models.authorizer.updateOne(
      { componentAppId, appId },
      { $set: { refreshToken: this.box.seal(refreshToken), status: 'authorized' }, $inc: { tokenVersion: 1 } },
    );
  }

  /**
   * Saves refreshed tokens as version `expectedVersion + 1` if the account is still at
   * `expectedVersion` (a writer that read before another refresh or a re-authorization loses).
   * The filter is atomic on MongoDB; FerretDB 1.x applies two concurrent updates with the same
   * filter one after the other, both matching, so callers first win the version's claim
   * (AuthorizerTokenService does, in Redis) and only one writer per version gets here.
   */
  async saveTokens(
    componentAppId: string,
    appId: string,
    expectedVersion: number,
    tokens: { accessToken: string; expiresAt: Date; refreshToken: string },
  ): Promise<boolean> {
    const res = await this.models.authorizer.updateOne(
      { componentAppId, appId, tokenVersion: expectedVersion, status: 'authorized' },
      {
        $set: {
          accessToken: this.box.seal(tokens.accessToken),
          accessTokenExpiresAt: tokens.expiresAt,
          refreshToken: this.box.seal(tokens.refreshToken),
        },
        $inc: { tokenVersion: 1 },
      },
    );
    return res.modifiedCount === 1;
  }

  /**
   * Authorized accounts whose access token is missing or expires before `before`, soonest first,
   * in batches read from a cursor: a sweep over 100 000 due accounts holds one batch at a time
   * instead of all of them.
   */
  async *expiringBatches(before: Date, limit: number, size: number): AsyncGenerator<ExpiringAuthorizer[]> {
    const cursor = this.models.authorizer
      .find(
        { status: 'authorized', $or: [{ accessTokenExpiresAt: { $lt: before } }, { accessTokenExpiresAt: null }] },
        { _id: 0, componentAppId: 1, appId: 1, accessTokenExpiresAt: 1, tokenVersion: 1 },
      )
      .sort({ accessTokenExpiresAt: 1 })
      .limit(limit)
      .lean<ExpiringAuthorizer>()
      .cursor({ batchSize: size });
    let batch: ExpiringAuthorizer[] = [];
    try {
      for await (const doc of cursor) {
        batch.push(doc);
        if (batch.length === size) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    } finally {
      await cursor.close();
    }
  }

  /** WeChat refuses the refresh token and no longer lists the account: the merchant must authorize again. */
  async markReauthRequired(componentAppId: string, appId: string): Promise<Authorizer | null> {
    await this.models.authorizer.updateOne(
      { componentAppId, appId },
      { $set: { status: 'reauth_required', accessToken: null, accessTokenExpiresAt: null }, $inc: { tokenVersion: 1 } },
    );
    return this.find(componentAppId, appId);
  }

  /** Used by the ingress before and by tests: a status change without tokens. */
  async setStatus(componentAppId: string, appId: string, status: AuthorizerDoc['status']): Promise<void> {
    await this.models.authorizer.updateOne({ componentAppId, appId }, { $set: { status } }, { upsert: true });
  }

  private open(doc: AuthorizerDoc): Authorizer {
    return {
      ...doc,
      shopId: doc.shopId ?? null,
      refreshToken: doc.refreshToken ? this.box.open(doc.refreshToken) : null,
      accessToken: doc.accessToken ? this.box.open(doc.accessToken) : null,
    };
  }

  /**
   * What an operator types to find an account: an exact appid or shop, or part of the account's
   * name or principal (case-insensitive). Newest change first, at most `limit`.
   */
  async search(text: string, limit: number): Promise<Authorizer[]> {
    const q = text.trim();
    if (!q) return (await this.list({}, 1, limit)).items;
    const contains = { $regex: q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), $options: 'i' };
    const docs = await this.models.authorizer
      .find({ $or: [{ appId: q }, { shopId: q }, { nickName: contains }, { principalName: contains }, { userName: q }] })
      .sort({ updatedAt: -1, appId: 1 })
      .limit(limit)
      .lean();
    return docs.map((d) => this.open(d));
  }
}
