import type { Store } from '@weixin3rd/store';
import type { FastifyPluginAsync } from 'fastify';

/**
 * `/metrics` in Prometheus text format, computed from the store at scrape time so every console
 * instance reports the same truth: ticket age (alert when over 20 min) and component token life.
 */
export const metricsRoutes: FastifyPluginAsync<{ store: Pick<Store, 'components' | 'tickets' | 'componentTokens'> }> = async (app, { store }) => {
  app.get('/metrics', async (_req, reply) => {
    const now = Date.now();
    const lines = [
      '# HELP weixin3rd_component_ticket_age_seconds Seconds since the latest component_verify_ticket was received (-1: never).',
      '# TYPE weixin3rd_component_ticket_age_seconds gauge',
    ];
    const tokenLines = [
      '# HELP weixin3rd_component_token_expires_in_seconds Seconds until the stored component access token expires (-1: none).',
      '# TYPE weixin3rd_component_token_expires_in_seconds gauge',
    ];
    const errorLines = ['# HELP weixin3rd_component_config_error 1 when WeChat reported a configuration error for the component.', '# TYPE weixin3rd_component_config_error gauge'];
    for (const appId of await store.components.listAppIds()) {
      const [ticket, token, summary] = await Promise.all([store.tickets.latest(appId), store.componentTokens.get(appId), store.components.summary(appId)]);
      const label = `{component="${appId}"}`;
      lines.push(`weixin3rd_component_ticket_age_seconds${label} ${ticket ? Math.round((now - ticket.receivedAt.getTime()) / 1000) : -1}`);
      tokenLines.push(`weixin3rd_component_token_expires_in_seconds${label} ${token ? Math.round((token.expiresAt.getTime() - now) / 1000) : -1}`);
      errorLines.push(`weixin3rd_component_config_error${label} ${summary?.lastError ? 1 : 0}`);
    }
    return reply.type('text/plain; version=0.0.4').send(`${[...lines, ...tokenLines, ...errorLines].join('\n')}\n`);
  });
};
