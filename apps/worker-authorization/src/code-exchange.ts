import type { ComponentTokenService } from '@weixin3rd/credentials';
import type { EventPublisher } from '@weixin3rd/events';
import type { AuthCodeOutcome } from '@weixin3rd/queues';
import type { Store } from '@weixin3rd/store';
import { WeChatApiError, type AuthorizerInfoResponse, type ComponentApi, type QueryAuthResponse } from '@weixin3rd/wechat-api';
import { UnrecoverableError } from 'bullmq';

export interface CodeExchangeDeps {
  store: Pick<Store, 'authorizers' | 'authCodes'>;
  tokens: ComponentTokenService;
  events: EventPublisher;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/** One code to exchange, from the redirect or from an `authorized`/`updateauthorized` push. */
export interface CodeRequest {
  componentAppId: string;
  code: string;
  shopId: string | null;
  /** The job: a retry of the same job may continue its own claim. */
  owner: string;
  /** Unix seconds of the change: the push's CreateTime, or when the redirect was received. */
  changeAt: number;
  /** Named by a push; the redirect does not know it. */
  authorizerAppId: string | null;
}

/** What api_query_auth (or its confirmation) granted. */
interface Grant {
  appId: string;
  refreshToken: string | null;
  accessToken: string | null;
  expiresIn: number | null;
  funcInfo: number[];
  /** When WeChat granted it (ms): the access token's life counts from then. */
  exchangedAt: number;
}

/** How long before a claim an authorization may have happened: a code lives 600 s (wechat-protocol.md §11). */
const CODE_LIFETIME_S = 600;

const permanent = (error: unknown): never => {
  if (error instanceof WeChatApiError && !error.retryable && error.kind !== 'token') {
    throw new UnrecoverableError(`${error.call} answered ${error.code} ${error.errmsg}`);
  }
  throw error;
};

/** Fields some accounts lack (newer types, mini programs) are null, never a failure (§11.5). */
export function accountOf(info: AuthorizerInfoResponse['authorizer_info']) {
  return {
    kind: info.MiniProgramInfo ? ('mini' as const) : ('official' as const),
    nickName: info.nick_name ?? '',
    headImg: info.head_img ?? null,
    userName: info.user_name ?? '',
    principalName: info.principal_name ?? null,
    alias: info.alias ?? null,
    qrcodeUrl: info.qrcode_url ?? null,
    serviceType: info.service_type_info?.id ?? null,
    verifyType: info.verify_type_info?.id ?? null,
  };
}

const ids = (f: { funcscope_category: { id: number } }[] | undefined): number[] => (f ?? []).map((x) => x.funcscope_category.id);

/**
 * Exchanges authorization codes (wechat-protocol.md §3.3): whichever of the redirect and the push
 * claims the code first does the work. A push older than the account's last applied change is
 * ignored (§11.4); a 61009 on a retry after a timed-out api_query_auth is confirmed with
 * api_get_authorizer_info instead of failing an authorization that happened (§11.6).
 */
export class CodeExchange {
  constructor(private readonly deps: CodeExchangeDeps) {}

  async run(req: CodeRequest): Promise<AuthCodeOutcome> {
    const { componentAppId, code, authorizerAppId } = req;
    if (authorizerAppId !== null) {
      // Documents written before lastChangeAt existed have none: nothing to compare with.
      const last = (await this.deps.store.authorizers.find(componentAppId, authorizerAppId))?.lastChangeAt ?? null;
      if (last !== null && req.changeAt < last) {
        this.deps.logger.warn(
          { componentAppId, authorizerAppId, createTime: req.changeAt, lastChangeAt: last },
          'older authorization push ignored',
        );
        return 'stale';
      }
    }
    if ((await this.deps.store.authCodes.claim(componentAppId, code, req.owner)) === 'lost') {
      if (authorizerAppId !== null) {
        await this.deps.store.authCodes.noteAuthorizer(componentAppId, code, authorizerAppId);
        await this.deps.store.authorizers.noteChange(componentAppId, authorizerAppId, req.changeAt);
      }
      return req.shopId === null ? 'duplicate' : this.bindAfterOther(componentAppId, code, req.shopId);
    }
    const api = this.deps.tokens.api(componentAppId);
    try {
      const grant = await this.grant(api, req);
      if (grant === 'invalid_code' || grant.refreshToken === null) {
        const outcome = grant === 'invalid_code' ? 'invalid_code' : 'no_api_permission';
        await this.deps.store.authCodes.finish(componentAppId, code, { status: 'failed', outcome, authorizerAppId: null });
        return outcome;
      }
      return await this.record(api, req, { ...grant, refreshToken: grant.refreshToken });
    } catch (error) {
      if (error instanceof UnrecoverableError)
        await this.deps.store.authCodes.finish(componentAppId, code, { status: 'failed', outcome: error.message, authorizerAppId: null });
      throw error;
    }
  }

  private async grant(api: ComponentApi, req: CodeRequest): Promise<Grant | 'invalid_code'> {
    // Codes are single-use: a retry after a later step failed reuses the first answer.
    type AuthInfo = QueryAuthResponse['authorization_info'];
    const grantOf = (auth: AuthInfo, exchangedAt: number): Grant => ({
      appId: auth.authorizer_appid,
      refreshToken: auth.authorizer_refresh_token || null,
      accessToken: auth.authorizer_access_token || null,
      expiresIn: auth.expires_in ?? null,
      funcInfo: ids(auth.func_info),
      exchangedAt,
    });
    const saved = await this.deps.store.authCodes.savedExchange<AuthInfo>(req.componentAppId, req.code);
    if (saved) return grantOf(saved.result, saved.at);
    const queriedBefore = await this.deps.store.authCodes.markQueried(req.componentAppId, req.code);
    try {
      const auth = (await api.queryAuth(req.code)).authorization_info;
      await this.deps.store.authCodes.saveExchange(req.componentAppId, req.code, auth);
      return grantOf(auth, Date.now());
    } catch (error) {
      if (!(error instanceof WeChatApiError) || error.kind !== 'code') return permanent(error);
      // Never sent before: the code was invalid or expired.
      if (!queriedBefore) return 'invalid_code';
      return this.confirm(api, req);
    }
  }

  /** Our earlier api_query_auth timed out and may have used the code: ask WeChat whether the account is authorized. */
  private async confirm(api: ComponentApi, req: CodeRequest): Promise<Grant | 'invalid_code'> {
    const claim = await this.deps.store.authCodes.outcome(req.componentAppId, req.code);
    const appId = req.authorizerAppId ?? claim?.authorizerAppId ?? null;
    if (appId === null) {
      // Only the push names the account. No authorization at all since the code could have been issued: it was invalid.
      const since = Math.floor((claim?.createdAt.getTime() ?? Date.now()) / 1000) - CODE_LIFETIME_S;
      if (!(await this.anyAuthorizedSince(api, since))) return 'invalid_code';
      throw new Error('api_query_auth timed out, then answered 61009: waiting for the authorized push to name the account');
    }
    let info;
    try {
      info = await api.getAuthorizerInfo(appId);
    } catch (error) {
      if (error instanceof WeChatApiError && error.kind === 'authorization') return 'invalid_code';
      return permanent(error);
    }
    this.deps.logger.info(
      { componentAppId: req.componentAppId, authorizerAppId: appId },
      '61009 after a timed-out api_query_auth: confirmed with api_get_authorizer_info',
    );
    return {
      appId,
      refreshToken: info.authorization_info.authorizer_refresh_token || null,
      accessToken: null,
      expiresIn: null,
      funcInfo: ids(info.authorization_info.func_info),
      exchangedAt: Date.now(),
    };
  }

  private async anyAuthorizedSince(api: ComponentApi, since: number): Promise<boolean> {
    for (let offset = 0; ; offset += 500) {
      const page = await api.getAuthorizerList(offset, 500);
      if (page.list.some((a) => a.auth_time >= since)) return true;
      if (page.list.length < 500 || offset + 500 >= page.total_count) return false;
    }
  }

  private async record(api: ComponentApi, req: CodeRequest, grant: Grant & { refreshToken: string }): Promise<AuthCodeOutcome> {
    const { componentAppId, code, shopId } = req;
    const info = await api.getAuthorizerInfo(grant.appId).catch(permanent);
    // Decided before the upsert, once per code: a re-run after a crash finds the account
    // authorized by its own first run and must still publish what the first run would have.
    const before = await this.deps.store.authorizers.find(componentAppId, grant.appId);
    const type = await this.deps.store.authCodes.decideEventType(
      componentAppId,
      code,
      before?.status === 'authorized' ? 'updateauthorized' : 'authorized',
    );
    const { previous, current } = await this.deps.store.authorizers.upsertAuthorized({
      componentAppId,
      appId: grant.appId,
      refreshToken: grant.refreshToken,
      accessToken: grant.accessToken,
      accessTokenExpiresAt: grant.accessToken && grant.expiresIn ? new Date(grant.exchangedAt + grant.expiresIn * 1000) : null,
      funcInfo: grant.funcInfo,
      account: accountOf(info.authorizer_info),
      changeAt: req.changeAt,
    });
    // Bind first, so the event already names the shop the operator authorized for.
    let outcome: AuthCodeOutcome = 'authorized';
    let shopOfEvent = current.shopId;
    if (shopId !== null) {
      const bind = await this.deps.store.authorizers.bindShop(componentAppId, current.appId, shopId);
      outcome = bind === 'already_bound' ? 'already_bound' : 'bound';
      if (bind !== 'already_bound') shopOfEvent = shopId;
    }
    // One event per code (the version names the code, not the token version a re-run bumps).
    await this.deps.events.publish(type, { ...current, shopId: shopOfEvent }, `${type}-code-${code}`);
    this.deps.logger.info(
      {
        componentAppId,
        authorizerAppId: current.appId,
        type,
        outcome,
        funcInfo: current.funcInfo,
        previousFuncInfo: previous?.funcInfo ?? null,
      },
      'authorization exchanged',
    );
    await this.deps.store.authCodes.finish(componentAppId, code, { status: 'done', outcome, authorizerAppId: current.appId });
    return outcome;
  }

  /**
   * The push won the code but the redirect knows the shop: once the push's exchange is done, the
   * redirect's job binds the shop. Retried (not failed) while the exchange is still running.
   */
  private async bindAfterOther(componentAppId: string, code: string, shopId: string): Promise<AuthCodeOutcome> {
    const other = await this.deps.store.authCodes.outcome(componentAppId, code);
    if (other?.status === 'failed') {
      if (other.outcome === 'invalid_code' || other.outcome === 'no_api_permission') return other.outcome;
      throw new UnrecoverableError(other.outcome ?? 'the authorization failed');
    }
    if (other?.status !== 'done' || !other.authorizerAppId) throw new Error('the same code is being exchanged by another job; retrying');
    const bind = await this.deps.store.authorizers.bindShop(componentAppId, other.authorizerAppId, shopId);
    if (bind === 'bound') {
      const current = await this.deps.store.authorizers.find(componentAppId, other.authorizerAppId);
      if (current) await this.deps.events.publish('shop_bound', current, `shop-${shopId}-${current.tokenVersion}`);
    }
    return bind === 'already_bound' ? 'already_bound' : 'bound';
  }
}
