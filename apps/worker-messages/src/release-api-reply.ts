import { jobIds, type AccountMessageJob, type Producer } from '@weixin3rd/queues';
import type { Store } from '@weixin3rd/store';
import { UnrecoverableError } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OutboundSender } from './outbound/outbound-sender.js';

export interface ReleaseApiDeps {
  store: Pick<Store, 'authCodes'>;
  authorization: Producer<'authorization'>;
  outbound: OutboundSender;
  /** How long to wait for the code's exchange before the job is retried (default 8 s). */
  exchangeWaitMs?: number;
}

/**
 * 全网发布 case 4/5 (`QUERY_AUTH_CODE:<code>`): answer `<code>_from_api` through custom/send with
 * the token of that code's exchange. WeChat's codes are single-use and the `authorized` push
 * carrying the same code has already been (or is being) exchanged by worker-authorization, so this
 * never calls api_query_auth itself: it waits for that exchange (starting one through the
 * `authorization` queue if no job has claimed the code), and the outbound worker sends with the
 * token the exchange stored.
 */
export async function releaseApiReply(
  deps: ReleaseApiDeps,
  job: AccountMessageJob,
  action: { authCode: string; touser: string; content: string },
): Promise<string> {
  const authorizerAppId = await exchangedAccount(deps, job.componentAppId, action.authCode);
  return deps.outbound.send({
    componentAppId: job.componentAppId,
    authorizerAppId,
    openid: action.touser,
    dedupeKey: job.dedupeKey,
    reply: { type: 'text', content: action.content },
    reason: 'release-test',
  });
}

async function exchangedAccount(deps: ReleaseApiDeps, componentAppId: string, code: string): Promise<string> {
  const deadline = Date.now() + (deps.exchangeWaitMs ?? 8000);
  let requested = false;
  for (;;) {
    const outcome = await deps.store.authCodes.outcome(componentAppId, code);
    if (outcome?.status === 'done' && outcome.authorizerAppId) return outcome.authorizerAppId;
    if (outcome?.status === 'failed') throw new UnrecoverableError(`the exchange of the QUERY_AUTH_CODE failed: ${outcome.outcome ?? ''}`);
    if (!outcome && !requested) {
      // Nobody has claimed the code (the push is late or lost): the authorization worker exchanges it.
      await deps.authorization.add(
        'auth-code',
        { componentAppId, authCode: code, shopId: null, preAuthCode: null },
        jobIds.authCodeFromMessage(componentAppId, code),
      );
      requested = true;
    }
    if (Date.now() > deadline) throw new Error('the QUERY_AUTH_CODE is still being exchanged; retrying');
    await sleep(100);
  }
}
