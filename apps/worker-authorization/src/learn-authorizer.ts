import type { ComponentTokenService } from '@weixin3rd/credentials';
import type { EventPublisher } from '@weixin3rd/events';
import type { LearnAuthorizerJob } from '@weixin3rd/queues';
import type { Store } from '@weixin3rd/store';
import { WeChatApiError, type AuthorizerInfoResponse } from '@weixin3rd/wechat-api';
import { UnrecoverableError } from 'bullmq';
import { accountOf } from './code-exchange.js';

export interface LearnAuthorizerDeps {
  store: Pick<Store, 'authorizers'>;
  tokens: ComponentTokenService;
  events: EventPublisher;
  logger: { info(obj: object, msg: string): void };
}

/**
 * WeChat pushes messages for an account the store does not hold (authorized before this
 * deployment, a restored database, a failed exchange): look that one account up
 * (api_get_authorizer_info gives its permissions and refresh token), create it with no shop and
 * no access token (the token service fetches one on first use), and publish `authorized`. An
 * account that appeared meanwhile (its exchange finished) is left as it is.
 */
export async function learnAuthorizer(deps: LearnAuthorizerDeps, job: LearnAuthorizerJob): Promise<'known' | 'learned'> {
  const { componentAppId, authorizerAppId } = job;
  if (await deps.store.authorizers.find(componentAppId, authorizerAppId)) return 'known';
  let info: AuthorizerInfoResponse;
  try {
    info = await deps.tokens.api(componentAppId).getAuthorizerInfo(authorizerAppId);
  } catch (error) {
    // 61003: not (or no longer) authorized; its messages wait, then fail, in account-messages-held.
    if (error instanceof WeChatApiError && !error.retryable && error.kind !== 'token')
      throw new UnrecoverableError(`${error.call} answered ${error.code} ${error.errmsg}`);
    throw error;
  }
  const refreshToken = info.authorization_info.authorizer_refresh_token;
  if (!refreshToken) throw new UnrecoverableError(`${authorizerAppId} granted no API permission: no refresh token`);
  const created = await deps.store.authorizers.insertIfAbsent({
    componentAppId,
    appId: authorizerAppId,
    refreshToken,
    accessToken: null,
    accessTokenExpiresAt: null,
    funcInfo: (info.authorization_info.func_info ?? []).map((f) => f.funcscope_category.id),
    account: accountOf(info.authorizer_info),
  });
  if (!created) return 'known';
  await deps.events.publish('authorized', created, `authorized-${created.tokenVersion}`);
  deps.logger.info({ componentAppId, authorizerAppId, funcInfo: created.funcInfo }, 'authorizer learned from its messages');
  return 'learned';
}
