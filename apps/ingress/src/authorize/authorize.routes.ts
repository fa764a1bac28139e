import type { PreAuthSessions } from '@weixin3rd/handoffs';
import { isAuthCodeOutcome, jobIds, type Producer, type QueueEvents } from '@weixin3rd/queues';
import type { Store } from '@weixin3rd/store';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AuthorizeQuery, CallbackQuery, refusedField } from './authorize-query.js';
import { authorizePage, problemPage, resultPage } from './pages.js';
import { PreAuthCodeError } from './pre-auth-code.js';
import { PROBLEMS, type Problem, type ProblemCode } from './problems.js';
import type { StateSigner } from './state.js';

export interface AuthorizeOptions {
  store: Pick<Store, 'components' | 'authorizers' | 'authCodes' | 'stateNonces'>;
  /**
   * A fresh pre_auth_code (api_create_preauthcode through the component token owner, through a
   * ticket gap: pre-auth-code.ts); fails with a PreAuthCodeError naming the problem.
   */
  preAuthCode: (componentAppId: string) => Promise<string>;
  signer: StateSigner;
  authorization: Producer<'authorization'>;
  /** Completion events of `authorization`: the callback waits on its job instead of polling. */
  authorizationEvents: QueueEvents;
  sessions: PreAuthSessions;
  publicBaseUrl: string;
  /** WECHAT_MP_BASE: where the PC page (componentloginpage) is. */
  mpBase: string;
  /** WECHAT_OPEN_BASE: where the current H5 page (wxaopen/safe/bindcomponent) is. */
  openBase: string;
  /** Longest wait for the exchange before the result page says "still working" (default 10 s). */
  waitMs?: number;
}

/** The one-scan authorization pages of CONTRACT.md: `/authorize` and `/authorize/callback`. */
export const authorizeRoutes: FastifyPluginAsync<AuthorizeOptions> = async (app, opts) => {
  const html = (reply: FastifyReply, status: number, body: string) => reply.code(status).type('text/html; charset=utf-8').send(body);
  /** A problem page, and its log line (with WeChat's errcode when WeChat answered). */
  const problem = (
    req: FastifyRequest,
    reply: FastifyReply,
    code: ProblemCode,
    log: { componentAppId?: string; errcode?: number | null; err?: unknown; shop?: string } = {},
    vars: Record<string, string | number> = {},
  ) => {
    const p: Problem = PROBLEMS[code];
    const { err, ...fields } = log;
    req.log[p.status >= 500 ? 'error' : 'warn'](
      { problem: code, status: p.status, ...fields, ...(err ? { err } : {}) },
      `authorization page: ${code}`,
    );
    if (p.refreshSeconds) reply.header('retry-after', String(p.refreshSeconds)).header('cache-control', 'no-store');
    return html(reply, p.status, problemPage(code, { errcode: log.errcode ?? '—', ...vars }));
  };
  // Each page's query schema; its refusal is answered by the page itself, with a page (authorize-query.ts).
  const checked = (querystring: object) => ({ schema: { querystring }, attachValidation: true });
  // A parameter given twice arrives as an array: refused before any handler treats it as text.
  app.addHook('preHandler', async (req, reply) => {
    if (Object.values(req.query as Record<string, unknown>).some((v) => typeof v !== 'string'))
      return problem(req, reply, 'PARAMETER_REPEATED');
    return undefined;
  });

  // A parameter refused by the schema is answered in the order the page checks: shop, component,
  // then the rest; a component that is not an AppId gets the unknown-component page, unlooked-up.
  app.get<{ Querystring: AuthorizeQuery }>('/authorize', checked(AuthorizeQuery), async (req, reply) => {
    const q = req.query;
    const refused = refusedField(req);
    if (!q.shop || refused === 'shop') return problem(req, reply, 'SHOP_INVALID');
    if (refused === 'component') return problem(req, reply, 'COMPONENT_UNKNOWN', { shop: q.shop });
    if (refused) return problem(req, reply, 'PARAMETER_REPEATED', { shop: q.shop });
    const mode = q.mode === 'h5' ? 'h5' : 'pc';
    let componentAppId = q.component;
    if (!componentAppId) {
      const all = await opts.store.components.listAppIds();
      if (all.length !== 1) return problem(req, reply, 'COMPONENT_REQUIRED', { shop: q.shop });
      componentAppId = all[0] as string;
    }
    if (!(await opts.store.components.summary(componentAppId)))
      return problem(req, reply, 'COMPONENT_UNKNOWN', { componentAppId, shop: q.shop });
    let preAuthCode: string;
    try {
      preAuthCode = await opts.preAuthCode(componentAppId);
    } catch (error) {
      const known = error instanceof PreAuthCodeError;
      return problem(req, reply, known ? error.problem : 'SERVICE_BUSY', {
        componentAppId,
        shop: q.shop,
        errcode: known ? error.errcode : null,
        err: known ? error.cause : error,
      });
    }
    try {
      await opts.sessions.remember(componentAppId, preAuthCode, q.shop);
    } catch (error) {
      return problem(req, reply, 'SERVICE_BUSY', { componentAppId, shop: q.shop, err: error });
    }
    const { value: state } = opts.signer.sign(componentAppId, q.shop);
    const redirectUri = `${opts.publicBaseUrl}/authorize/callback?state=${encodeURIComponent(state)}`;
    const params = new URLSearchParams({
      component_appid: componentAppId,
      pre_auth_code: preAuthCode,
      redirect_uri: redirectUri,
      auth_type: q.auth_type ?? '3',
    });
    if (q.biz_appid) params.set('biz_appid', q.biz_appid);
    if (q.category_id_list) params.set('category_id_list', q.category_id_list);
    const link =
      mode === 'pc'
        ? `${opts.mpBase}/cgi-bin/componentloginpage?${params}`
        : // The H5 link of WeChat's authorization technical description; mp.weixin.qq.com/safe/bindcomponent is the legacy one.
          `${opts.openBase}/wxaopen/safe/bindcomponent?action=bindcomponent&no_scan=1&${params}#wechat_redirect`;
    return html(reply, 200, authorizePage(link, q.shop, mode));
  });

  app.get<{ Querystring: CallbackQuery }>('/authorize/callback', checked(CallbackQuery), async (req, reply) => {
    // Only the state can be refused by the schema (too long to be one of ours): the signer's own answer.
    const state = refusedField(req) === 'state' ? 'malformed' : opts.signer.verify(req.query.state);
    if (state === 'expired') return problem(req, reply, 'STATE_EXPIRED');
    if (typeof state === 'string') return problem(req, reply, 'STATE_INVALID', { err: new Error(`state ${state}`) });
    const code = req.query.auth_code;
    const where = { componentAppId: state.componentAppId, shop: state.shopId };
    if (!code) return problem(req, reply, 'CODE_MISSING', where);
    if (!(await opts.store.stateNonces.consume(state.nonce))) return problem(req, reply, 'LINK_USED', where);

    const jobId = jobIds.authCode(state.componentAppId, code);
    try {
      await opts.authorization.add(
        'auth-code',
        { componentAppId: state.componentAppId, authCode: code, shopId: state.shopId, preAuthCode: null },
        jobId,
      );
    } catch (error) {
      return problem(req, reply, 'CALLBACK_BUSY', { ...where, err: error });
    }
    const outcome = await opts.authorization.waitFor(jobId, opts.authorizationEvents, opts.waitMs ?? 10_000);
    // Failed for good (after its retries), or still running when the wait ended.
    if (outcome.status === 'failed') return problem(req, reply, 'AUTHORIZATION_FAILED', { ...where, err: outcome.error });
    if (outcome.status === 'running') return problem(req, reply, 'STILL_PROCESSING', where);
    const result = outcome.status === 'completed' ? outcome.value : undefined;
    // The worker's typed outcome (packages/queues, authorization-results.ts), never its error text.
    if (result === 'invalid_code') return problem(req, reply, 'CODE_INVALID', where);
    if (result === 'no_api_permission') return problem(req, reply, 'NO_API_PERMISSION', where);
    if (!isAuthCodeOutcome(result))
      return problem(req, reply, 'AUTHORIZATION_FAILED', { ...where, err: new Error(`outcome ${String(result)}`) });
    return showOutcome(req, reply, state.componentAppId, code, result, state.shopId);
  });

  const showOutcome = async (
    req: FastifyRequest,
    reply: FastifyReply,
    componentAppId: string,
    code: string,
    outcome: string,
    shopId: string,
  ) => {
    const done = await opts.store.authCodes.outcome(componentAppId, code);
    const authorizer = done?.authorizerAppId ? await opts.store.authorizers.find(componentAppId, done.authorizerAppId) : null;
    if (!authorizer) return problem(req, reply, 'AUTHORIZATION_FAILED', { componentAppId, shop: shopId });
    if (outcome === 'already_bound') {
      const other = authorizer.shopId ?? '';
      return problem(req, reply, 'ALREADY_BOUND', { componentAppId, shop: shopId }, { shop: other });
    }
    return html(
      reply,
      200,
      resultPage({
        nickName: authorizer.nickName ?? authorizer.appId,
        headImg: authorizer.headImg,
        kind: authorizer.kind,
        userName: authorizer.userName ?? '',
        funcInfo: authorizer.funcInfo,
        shopId,
      }),
    );
  };
};
