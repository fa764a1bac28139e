import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerAuth } from '../auth.js';
import { signInPage } from './sign-in.page.js';
import { SESSION_COOKIE, SIGN_IN_COOKIE, randomToken, sameSecret, type Session, type SessionStore } from './session.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in operator of an /admin, /queues or /docs request. */
    operator: { sessionId: string; session: Session } | null;
  }
}

const COOKIE_BASE = { path: '/', httpOnly: true, sameSite: 'strict', secure: 'auto' } as const;

/** Sets the sign-in form's double-submit cookie and answers the sign-in page (401 when it stands in for a protected page). */
export async function sendSignIn(reply: FastifyReply, status: number, next: string, error?: string): Promise<FastifyReply> {
  const token = randomToken();
  void reply.setCookie(SIGN_IN_COOKIE, token, { ...COOKIE_BASE, maxAge: 1800 });
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(signInPage(token, next, error));
}

export const sessionCookie = (id: string, maxAge: number) => ({ name: SESSION_COOKIE, value: id, options: { ...COOKIE_BASE, maxAge } });

/**
 * A state-changing request from another site: its Origin (else Referer) names another host than
 * the one it was sent to (default ports aside). Refused whatever it carries. Neither header sent
 * (not a browser): the CSRF token and the SameSite cookie decide.
 */
export function crossSite(req: FastifyRequest): boolean {
  const from = req.headers.origin ?? req.headers.referer;
  if (from === undefined) return false;
  try {
    const source = new URL(from);
    return source.host !== new URL(`${source.protocol}//${req.headers.host ?? ''}`).host;
  } catch {
    return true;
  }
}

/**
 * Lets a request through with a live session (cookie → Redis); otherwise a page request gets the
 * sign-in page and anything else 401. With `allowBearer`, an API token works too (/docs for tools).
 */
export function requireSession(
  sessions: SessionStore,
  options: { allowBearer?: readonly string[] } = {},
): (req: FastifyRequest, reply: FastifyReply) => Promise<unknown> {
  const bearer = options.allowBearer ? bearerAuth(options.allowBearer) : null;
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const id = req.cookies[SESSION_COOKIE];
    const session = await sessions.get(id);
    if (session && id) {
      req.operator = { sessionId: id, session };
      // Unsafe methods also need the request to come from our own pages (bull-board's XHRs, admin forms).
      if (req.method !== 'GET' && req.method !== 'HEAD' && crossSite(req))
        return reply.code(403).send({ error: { code: 'CROSS_SITE_REFUSED', message: 'request from another site refused' } });
      return;
    }
    if (bearer && req.headers.authorization) return bearer(req, reply);
    if (req.method === 'GET' && (req.headers.accept ?? '').includes('text/html')) return sendSignIn(reply, 401, req.url);
    return reply
      .code(401)
      .send({ error: { code: 'UNAUTHORIZED', message: 'sign in at /admin/sign-in (or send an API token where accepted)' } });
  };
}

/** The synchronizer-token check of every admin form: `_csrf` must equal the session's token. */
export async function requireCsrf(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (req.method === 'GET' || req.method === 'HEAD') return;
  const sent = (req.body as Record<string, unknown> | undefined)?._csrf;
  if (!req.operator || typeof sent !== 'string' || !sameSecret(sent, req.operator.session.csrf)) {
    await reply.code(403).send({ error: { code: 'CSRF_REFUSED', message: 'form without a valid CSRF token refused: reload the page' } });
  }
}

/**
 * Refuses a path parameter its route's schema did not accept (routes declare `attachValidation`
 * so that the session and CSRF checks answer first): 400 before any lookup or audit entry. A
 * refused form body is not refused here: the route tells the operator on the page.
 */
export async function refuseInvalidParams(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const e = req.validationError as (Error & { validationContext?: string }) | undefined;
  if (e?.validationContext !== 'params') return;
  await reply.code(400).send({ error: { code: 'INVALID_REQUEST', message: e.message } });
}
