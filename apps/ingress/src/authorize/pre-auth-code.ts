import { LockTimeoutError, TicketMissingError } from '@weixin3rd/credentials';
import { WeChatApiError } from '@weixin3rd/wechat-api';

/** Why the authorization page could not get a pre_auth_code; each has its own page (problems.ts). */
export type PreAuthProblem =
  /** No ticket WeChat accepts yet (none stored, stale, or the token made from it refused): it comes by itself. */
  | 'PREPARING'
  /** WeChat did not answer, answered 5xx or `-1 system error`. */
  | 'WECHAT_UNREACHABLE'
  /** WeChat refuses the component's configuration: wrong secret, IP not on the allow-list, … */
  | 'PLATFORM_MISCONFIGURED'
  /** A WeChat quota is used up (45009 daily, …). */
  | 'WECHAT_QUOTA'
  /** Any other refusal. */
  | 'WECHAT_REFUSED'
  /** Our own side failed (store, Redis). */
  | 'SERVICE_BUSY';

export class PreAuthCodeError extends Error {
  override readonly name = 'PreAuthCodeError';

  constructor(
    readonly problem: PreAuthProblem,
    /** WeChat's errcode (negative for transport failures), null when WeChat was not asked. */
    readonly errcode: number | null,
    cause: unknown,
  ) {
    super(`${problem}: ${(cause as Error).message}`, { cause });
  }
}

/** What the page needs from the component token owner and the ticket notices. */
export interface PreAuthCodeDeps {
  /** api_create_preauthcode through the component token owner (which renews a refused token once). */
  create(componentAppId: string): Promise<string>;
  /** api_start_push_ticket, rate limited across processes; true when asked now. */
  requestTicket(componentAppId: string): Promise<boolean>;
  /** CreateTime of the stored ticket. */
  latestTicket(componentAppId: string): Promise<number | null>;
  /** Resolves the CreateTime of a ticket newer than `newerThan` once stored, or null after `timeoutMs`. */
  waitForTicket(componentAppId: string, newerThan: number | null, timeoutMs: number): Promise<number | null>;
  /** How long one page request waits for a ticket (INGRESS_TICKET_WAIT_MS). */
  waitMs: number;
  logger?: { info(obj: object, msg: string): void };
}

export function classify(error: unknown): PreAuthProblem {
  // Another request holds the token refresh longer than the lock wait: the same gap, still closing.
  if (error instanceof TicketMissingError || error instanceof LockTimeoutError) return 'PREPARING';
  if (!(error instanceof WeChatApiError)) return 'SERVICE_BUSY';
  switch (error.kind) {
    case 'ticket':
    case 'token':
      return 'PREPARING';
    case 'transient':
      return 'WECHAT_UNREACHABLE';
    case 'config':
      return 'PLATFORM_MISCONFIGURED';
    case 'quota':
      return 'WECHAT_QUOTA';
    default:
      return 'WECHAT_REFUSED';
  }
}

const fail = (error: unknown): PreAuthCodeError =>
  new PreAuthCodeError(classify(error), error instanceof WeChatApiError ? error.code : null, error);

/**
 * A pre_auth_code for the page, through a ticket gap: when the ticket or the token made from it
 * is missing, stale or refused (the service just started, was down longer than a ticket lives,
 * or WeChat skipped pushes), ask WeChat for a ticket, wait for it within the request and try
 * once more. Every other failure, and a gap that does not close in time, is a PreAuthCodeError.
 */
export function preAuthCodes(deps: PreAuthCodeDeps): (componentAppId: string) => Promise<string> {
  return async (componentAppId) => {
    // Read before trying: a ticket stored while the attempt fails is then "newer" and ends the wait at once.
    const before = await deps.latestTicket(componentAppId);
    try {
      return await deps.create(componentAppId);
    } catch (error) {
      if (classify(error) !== 'PREPARING' || deps.waitMs <= 0) throw fail(error);
      const asked = await deps.requestTicket(componentAppId).catch(() => false);
      deps.logger?.info(
        {
          componentAppId,
          errcode: error instanceof WeChatApiError ? error.code : null,
          err: error,
          startPushRequested: asked,
          waitMs: deps.waitMs,
        },
        'authorize: waiting for a component_verify_ticket',
      );
      const arrived = await deps.waitForTicket(componentAppId, before, deps.waitMs);
      if (arrived === null) throw fail(error);
    }
    try {
      return await deps.create(componentAppId);
    } catch (error) {
      throw fail(error);
    }
  };
}
