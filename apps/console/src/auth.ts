import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Bearer tokens from API_TOKENS, compared in constant time. */
export function bearerAuth(tokens: readonly string[]) {
  const accepted = tokens.map((t) => Buffer.from(t));
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const header = req.headers.authorization ?? '';
    const presented = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
    const ok = accepted.some((t) => t.length === presented.length && timingSafeEqual(t, presented));
    if (!ok) {
      await reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({
          error: {
            code: 'UNAUTHORIZED',
            message: accepted.length === 0 ? 'API_TOKENS is not configured: the API is closed' : 'missing or wrong bearer token',
          },
        });
    }
  };
}
