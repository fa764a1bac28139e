import { setTimeout as sleep } from 'node:timers/promises';
import { jobIds, type PreAuthSessions, type Producer } from '@weixin3rd/queues';
import type { Store } from '@weixin3rd/store';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { authorizePage, errorPage, resultPage } from './pages.js';
import type { StateSigner } from './state.js';

export interface AuthorizeOptions {
  store: Pick<Store, 'components' | 'authorizers' | 'authCodes' | 'stateNonces'>;
  /** A fresh pre_auth_code (api_create_preauthcode through the component token owner). */
  preAuthCode: (componentAppId: string) => Promise<string>;
  signer: StateSigner;
  authorization: Producer<'authorization'>;
  sessions: PreAuthSessions;
  publicBaseUrl: string;
  /** WECHAT_MP_BASE: where componentloginpage and bindcomponent are. */
  mpBase: string;
  /** Longest wait for the exchange before the result page says "still working" (default 10 s). */
  waitMs?: number;
}

interface AuthorizeQuery {
  component?: string;
  shop?: string;
  mode?: string;
  auth_type?: string;
  biz_appid?: string;
  category_id_list?: string;
}

const SHOP = /^[A-Za-z0-9_.:-]{1,64}$/;

/** The one-scan authorization pages of CONTRACT.md: `/authorize` and `/authorize/callback`. */
export const authorizeRoutes: FastifyPluginAsync<AuthorizeOptions> = async (app, opts) => {
  const html = (reply: FastifyReply, status: number, body: string) => reply.code(status).type('text/html; charset=utf-8').send(body);

  app.get<{ Querystring: AuthorizeQuery }>('/authorize', async (req, reply) => {
    const q = req.query;
    if (!q.shop || !SHOP.test(q.shop))
      return html(reply, 400, errorPage('缺少或无效的店铺编号（shop）。', 'The shop parameter is missing or invalid.'));
    const mode = q.mode === 'h5' ? 'h5' : 'pc';
    let componentAppId = q.component;
    if (!componentAppId) {
      const all = await opts.store.components.listAppIds();
      if (all.length !== 1)
        return html(
          reply,
          400,
          errorPage('请指明第三方平台（component）。', 'Several platforms are configured: name one with the component parameter.'),
        );
      componentAppId = all[0] as string;
    }
    if (!(await opts.store.components.summary(componentAppId)))
      return html(reply, 404, errorPage('未知的第三方平台。', `Unknown component ${componentAppId}.`));
    let preAuthCode: string;
    try {
      preAuthCode = await opts.preAuthCode(componentAppId);
    } catch (error) {
      req.log.warn({ err: (error as Error).message, componentAppId }, 'pre_auth_code unavailable');
      return html(reply, 502, errorPage('暂时无法连接微信，请稍后重试。', 'WeChat cannot be reached right now; please try again shortly.'));
    }
    try {
      await opts.sessions.remember(componentAppId, preAuthCode, q.shop);
    } catch {
      return html(reply, 503, errorPage('系统繁忙，请刷新页面重试。', 'The service is busy; please reload this page.'));
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
        : `${opts.mpBase}/safe/bindcomponent?action=bindcomponent&no_scan=1&${params}#wechat_redirect`;
    return html(reply, 200, authorizePage(link, q.shop, mode));
  });

  app.get<{ Querystring: { state?: string; auth_code?: string; expires_in?: string } }>('/authorize/callback', async (req, reply) => {
    const state = opts.signer.verify(req.query.state);
    if (state === 'expired')
      return html(
        reply,
        400,
        errorPage('授权链接已过期，请返回重新发起授权。', 'This authorization link has expired; please start again.'),
      );
    if (typeof state === 'string') return html(reply, 400, errorPage('授权请求无效。', 'The authorization request is invalid.'));
    const code = req.query.auth_code;
    if (!code)
      return html(
        reply,
        400,
        errorPage('微信未返回授权码，请重新授权。', 'WeChat returned no authorization code; please authorize again.'),
      );
    if (!(await opts.store.stateNonces.consume(state.nonce)))
      return html(reply, 400, errorPage('该授权链接已使用过。', 'This authorization link was already used.'));

    const jobId = jobIds.authCode(state.componentAppId, code);
    try {
      await opts.authorization.add(
        'auth-code',
        { componentAppId: state.componentAppId, authCode: code, shopId: state.shopId, preAuthCode: null },
        jobId,
      );
    } catch {
      return html(reply, 503, errorPage('系统繁忙，请刷新页面重试。', 'The service is busy; please reload this page.'));
    }
    const deadline = Date.now() + (opts.waitMs ?? 10_000);
    while (Date.now() < deadline) {
      const job = await opts.authorization.queue.getJob(jobId);
      const status = job ? await job.getState() : 'unknown';
      if (status === 'completed') return showOutcome(reply, state.componentAppId, code, String(job?.returnvalue), state.shopId);
      // 'failed' is final: a job that will be retried waits in 'delayed'.
      if (status === 'failed' && job) {
        const invalid = /6100[9]|61010/.test(job.failedReason);
        return invalid
          ? html(
              reply,
              400,
              errorPage('授权码无效或已过期，请重新授权。', 'The authorization code is invalid or expired; please authorize again.'),
            )
          : html(reply, 502, errorPage('授权未能完成，请稍后重试。', 'The authorization could not be completed; please try again later.'));
      }
      await sleep(150);
    }
    return html(reply, 202, errorPage('授权正在处理中，请稍后刷新本页。', 'Still processing; refresh this page in a moment.'));
  });

  const showOutcome = async (reply: FastifyReply, componentAppId: string, code: string, outcome: string, shopId: string) => {
    const done = await opts.store.authCodes.outcome(componentAppId, code);
    const authorizer = done?.authorizerAppId ? await opts.store.authorizers.find(componentAppId, done.authorizerAppId) : null;
    if (!authorizer)
      return html(reply, 502, errorPage('授权未能完成，请稍后重试。', 'The authorization could not be completed; please try again later.'));
    if (outcome === 'already_bound') {
      return html(
        reply,
        409,
        errorPage(
          `该账号已绑定到其他店铺（${authorizer.shopId ?? ''}）。如需改绑，请联系管理员在控制台执行改绑。`,
          'This account is bound to another shop; an operator can rebind it from the console.',
        ),
      );
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
