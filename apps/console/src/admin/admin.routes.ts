import formbody from '@fastify/formbody';
import type { AuthorizerTokenService } from '@weixin3rd/credentials';
import type { QueueInspector } from '@weixin3rd/queues';
import type { Store } from '@weixin3rd/store';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthorizerActions } from '../authorizer-actions.js';
import type { MessageRouteActions } from '../message-route-actions.js';
import { AuthorizerActionBody, AuthorizerParams, ComponentParams, RebindBody, RouteParams, jobParams } from './admin.schemas.js';
import { auditPage } from './audit.page.js';
import { authorizersPage, type AuthorizersQuery } from './authorizers.page.js';
import { componentsPage } from './components.page.js';
import { crossSite, refuseInvalidParams, requireCsrf, requireSession, sendSignIn, sessionCookie } from './guard.js';
import { ADMIN_JS, layout } from './html.js';
import { jobsPage } from './jobs.page.js';
import { describeRoute, messageRoutesPage, routeDraft, routeFromForm, type RouteForm } from './message-routes.page.js';
import { SESSION_SECONDS, SIGN_IN_COOKIE, sameSecret, tokenFingerprint, type Session, type SessionStore } from './session.js';

export interface AdminDeps {
  store: Pick<Store, 'components' | 'tickets' | 'componentTokens' | 'authorizers' | 'audit'>;
  sessions: SessionStore;
  apiTokens: readonly string[];
  actions: AuthorizerActions;
  messageRoutes: MessageRouteActions;
  authorizerTokens: Pick<AuthorizerTokenService, 'lastRefreshes' | 'quotaExhausted'>;
  queues: readonly QueueInspector[];
  publicBaseUrl: string;
}

/** Security headers of every admin answer: nothing from elsewhere, never framed (the buttons act). */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; frame-ancestors 'none'; form-action 'self'";

/** Where to go after a form: back to the page it came from, never to another site. */
function back(req: FastifyRequest, fallback: string): string {
  const ref = req.headers.referer;
  if (!ref) return fallback;
  try {
    const u = new URL(ref);
    return !crossSite(req) && u.pathname.startsWith('/admin') ? `${u.pathname}${u.search}` : fallback;
  } catch {
    return fallback;
  }
}

const safeNext = (next: unknown): string => (typeof next === 'string' && /^\/(admin|queues|docs)(\/|\?|$)/.test(next) ? next : '/admin');

/** `/admin`: server-rendered pages, signed in with one of API_TOKENS; every action audited. */
export async function adminRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  await app.register(formbody);
  app.addHook('onSend', async (_req, reply, payload) => {
    void reply.header('content-security-policy', CSP).header('x-frame-options', 'DENY').header('referrer-policy', 'same-origin');
    return payload;
  });

  app.get('/admin/assets/admin.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(ADMIN_JS));

  app.get<{ Querystring: { next?: string } }>('/admin/sign-in', async (req, reply) => sendSignIn(reply, 200, safeNext(req.query.next)));

  app.post<{ Body: { _csrf?: string; name?: string; token?: string; next?: string } }>('/admin/sign-in', async (req, reply) => {
    const body = req.body ?? {};
    const cookie = req.cookies[SIGN_IN_COOKIE];
    if (crossSite(req) || !cookie || typeof body._csrf !== 'string' || !sameSecret(body._csrf, cookie))
      return reply
        .code(403)
        .send({ error: { code: 'CSRF_REFUSED', message: 'sign-in form without a valid CSRF token refused: reload the page' } });
    const token = typeof body.token === 'string' ? body.token : '';
    const name =
      (typeof body.name === 'string' ? body.name : '')
        .replace(/[^\p{L}\p{N} _.@-]/gu, '')
        .trim()
        .slice(0, 40) || 'operator';
    const known = deps.apiTokens.find((t) => sameSecret(t, token));
    const actor = `${name} · token ${tokenFingerprint(token)}`;
    if (!known) {
      await deps.store.audit.record({ actor, action: 'signin', target: '', detail: 'wrong token', ok: false });
      return sendSignIn(reply, 401, safeNext(body.next), '令牌不对 · Wrong token');
    }
    const { id } = await deps.sessions.create(actor);
    await deps.store.audit.record({ actor, action: 'signin', target: '', detail: '', ok: true });
    const c = sessionCookie(id, SESSION_SECONDS);
    return reply.setCookie(c.name, c.value, c.options).clearCookie(SIGN_IN_COOKIE, { path: '/' }).redirect(safeNext(body.next), 303);
  });

  await app.register(async (admin) => {
    admin.addHook('onRequest', requireSession(deps.sessions));
    admin.addHook('preHandler', requireCsrf);
    // Path parameters are checked by each route's schema (attachValidation, so the CSRF check above
    // answers first); a bad one is refused here, before any lookup or audit entry.
    admin.addHook('preHandler', refuseInvalidParams);

    /** Renders a page for the signed-in operator, with a one-time flash message from the last action. */
    const render = async (
      req: FastifyRequest,
      reply: FastifyReply,
      title: [string, string],
      path: string,
      body: (csrf: string, draft: Session['draft']) => Promise<string>,
    ) => {
      const op = req.operator!;
      const { flash, draft } = op.session;
      if (flash || draft) {
        delete op.session.flash;
        delete op.session.draft;
        await deps.sessions.update(op.sessionId, op.session);
      }
      const html = layout(
        { title, path, actor: op.session.actor, csrf: op.session.csrf, ...(flash ? { flash } : {}) },
        await body(op.session.csrf, draft),
      );
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
    };

    /** Runs an operator action, writes the audit entry, and returns to the page with the outcome. */
    const act = async (
      req: FastifyRequest,
      reply: FastifyReply,
      what: { action: string; target: string; detail?: string; fallback: string; to?: string; draft?: Session['draft'] },
      run: () => Promise<string>,
    ) => {
      const op = req.operator!;
      let flash: string;
      let ok = true;
      let detail = what.detail ?? '';
      try {
        const done = await run();
        flash = `✓ ${done}`;
        detail = [detail, done].filter(Boolean).join('; ');
      } catch (error) {
        ok = false;
        const e = error as { code?: string; message?: string };
        flash = `✗ ${e.code ? `${e.code}: ` : ''}${e.message ?? String(error)}`;
        detail = [detail, flash.slice(2)].filter(Boolean).join('; ');
      }
      await deps.store.audit.record({
        actor: op.session.actor,
        action: what.action,
        target: what.target,
        detail: detail.slice(0, 500),
        ok,
      });
      op.session.flash = flash;
      if (!ok && what.draft) op.session.draft = what.draft;
      await deps.sessions.update(op.sessionId, op.session);
      return reply.redirect(ok && what.to ? what.to : back(req, what.fallback), 303);
    };

    admin.post('/admin/sign-out', async (req, reply) => {
      const op = req.operator!;
      await deps.sessions.destroy(op.sessionId);
      await deps.store.audit.record({ actor: op.session.actor, action: 'signout', target: '', detail: '', ok: true });
      return reply.clearCookie(sessionCookie('', 0).name, { path: '/' }).redirect('/admin/sign-in', 303);
    });

    admin.get('/admin', async (req, reply) => render(req, reply, ['组件', 'Components'], '/admin', (csrf) => componentsPage(deps, csrf)));
    admin.get<{ Querystring: AuthorizersQuery }>('/admin/authorizers', async (req, reply) =>
      render(req, reply, ['授权账号', 'Authorizers'], '/admin/authorizers', (csrf) => authorizersPage(deps, req.query, csrf)),
    );
    admin.get('/admin/jobs', async (req, reply) =>
      render(req, reply, ['失败任务', 'Failed jobs'], '/admin/jobs', (csrf) => jobsPage(deps.queues, csrf)),
    );
    admin.get<{ Querystring: { edit?: string } }>('/admin/message-routes', async (req, reply) =>
      render(req, reply, ['消息路由', 'Message routes'], '/admin/message-routes', (csrf, draft) =>
        messageRoutesPage(deps.messageRoutes, req.query, csrf, draft),
      ),
    );
    admin.get('/admin/audit', async (req, reply) =>
      render(req, reply, ['审计日志', 'Audit log'], '/admin/audit', () => auditPage(deps.store)),
    );

    type AppidReq = { Params: { appid: string }; Body: { component?: string; shopId?: string } };
    const component = (b: { component?: string } | undefined) => (b?.component ? b.component : undefined);
    /** Each form's schema; a refused body is the operator's typo: flashed and audited as a failed attempt. */
    const checked = (params: object, body?: object) => ({ schema: { params, ...(body ? { body } : {}) }, attachValidation: true });
    const formProblem = (req: FastifyRequest): Error | null => {
      const e = req.validationError as (Error & { validation?: { instancePath?: string }[] }) | undefined;
      if (!e) return null;
      const field = e.validation?.[0]?.instancePath ?? '';
      const message = field === '/shopId' ? 'shop: 1-64 of A-Z a-z 0-9 _ . : -' : e.message;
      return Object.assign(new Error(message), { code: 'INVALID_REQUEST' });
    };

    admin.post<AppidReq>('/admin/authorizers/:appid/shop', checked(AuthorizerParams, RebindBody), async (req, reply) =>
      act(
        req,
        reply,
        {
          action: 'authorizer.rebind',
          target: req.params.appid,
          detail: `shop ${req.body.shopId ?? ''}`,
          fallback: '/admin/authorizers',
          // The list was likely filtered on the old shop, where the account no longer is: show the account.
          to: `/admin/authorizers?q=${encodeURIComponent(req.params.appid)}`,
        },
        async () => {
          const problem = formProblem(req);
          if (problem) throw problem;
          const { after, previousShopId } = await deps.actions.rebind(req.params.appid, req.body.shopId ?? '', component(req.body));
          return `${after.nickName ?? after.appId}: ${previousShopId ?? '—'} → ${after.shopId ?? '—'}`;
        },
      ),
    );
    admin.post<AppidReq>('/admin/authorizers/:appid/refresh', checked(AuthorizerParams, AuthorizerActionBody), async (req, reply) =>
      act(req, reply, { action: 'authorizer.refresh', target: req.params.appid, fallback: '/admin/authorizers' }, async () => {
        const problem = formProblem(req);
        if (problem) throw problem;
        const t = await deps.actions.forceRefresh(req.params.appid, component(req.body));
        return `刷新成功 · refreshed ${req.params.appid}, expires ${t.expiresAt.toISOString()}`;
      }),
    );
    admin.post<{ Params: { componentAppId: string } }>(
      '/admin/components/:componentAppId/reconcile',
      checked(ComponentParams),
      async (req, reply) =>
        act(req, reply, { action: 'component.reconcile', target: req.params.componentAppId, fallback: '/admin' }, async () => {
          const jobId = await deps.actions.reconcile(req.params.componentAppId);
          return `已排队核对 · reconciliation queued (${jobId})`;
        }),
    );
    admin.post<{ Params: { queue: string; id: string } }>(
      '/admin/jobs/:queue/:id/retry',
      checked(jobParams(deps.queues.map((q) => q.name))),
      async (req, reply) =>
        act(req, reply, { action: 'job.retry', target: `${req.params.queue}/${req.params.id}`, fallback: '/admin/jobs' }, async () => {
          const queue = deps.queues.find((q) => q.name === req.params.queue);
          if (!queue || !(await queue.retryFailed(req.params.id)))
            throw Object.assign(new Error(`no job ${req.params.id} in ${req.params.queue}`), { code: 'JOB_NOT_FOUND' });
          return `已重试 · retried ${req.params.queue}/${req.params.id}`;
        }),
    );

    // Message routes: the same checks and change notice as /api/v1/message-routes (MessageRouteActions).
    const routesPage = '/admin/message-routes';
    admin.post<{ Body: RouteForm }>('/admin/message-routes', async (req, reply) =>
      act(
        req,
        reply,
        { action: 'route.add', target: req.body.service ?? '', fallback: routesPage, draft: routeDraft('add', req.body) },
        async () => {
          const route = await deps.messageRoutes.create(routeFromForm(req.body));
          return `已添加 · added ${route.id}: ${describeRoute(route)}`;
        },
      ),
    );
    admin.post<{ Params: { id: string }; Body: RouteForm }>('/admin/message-routes/:id', checked(RouteParams), async (req, reply) =>
      act(
        req,
        reply,
        { action: 'route.edit', target: req.params.id, fallback: routesPage, to: routesPage, draft: routeDraft(req.params.id, req.body) },
        async () => {
          const before = await deps.messageRoutes.get(req.params.id);
          const after = await deps.messageRoutes.replace(req.params.id, routeFromForm(req.body));
          return `已保存 · saved ${after.id}: ${describeRoute(before)} → ${describeRoute(after)}`;
        },
      ),
    );
    admin.post<{ Params: { id: string }; Body: { enabled?: string } }>(
      '/admin/message-routes/:id/enabled',
      checked(RouteParams),
      async (req, reply) => {
        const enabled = req.body.enabled === '1';
        return act(
          req,
          reply,
          { action: enabled ? 'route.enable' : 'route.disable', target: req.params.id, fallback: routesPage },
          async () => {
            const route = await deps.messageRoutes.setEnabled(req.params.id, enabled);
            return `${enabled ? '已启用 · enabled' : '已停用 · disabled'} ${route.id}: ${describeRoute(route)}`;
          },
        );
      },
    );
    admin.post<{ Params: { id: string } }>('/admin/message-routes/:id/delete', checked(RouteParams), async (req, reply) =>
      act(req, reply, { action: 'route.delete', target: req.params.id, fallback: routesPage, to: routesPage }, async () => {
        const route = await deps.messageRoutes.delete(req.params.id);
        return `已删除 · deleted ${route.id}: ${describeRoute(route)}`;
      }),
    );
  });
}
