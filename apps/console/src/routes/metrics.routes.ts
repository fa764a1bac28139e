import type { AuthorizerTokenService } from '@weixin3rd/credentials';
import type { Registry } from '@weixin3rd/runtime';
import type { Store } from '@weixin3rd/store';
import type { FastifyPluginAsync } from 'fastify';

export interface MetricsRoutesOptions {
  store: Pick<Store, 'components' | 'tickets' | 'componentTokens'>;
  authorizerTokens: Pick<AuthorizerTokenService, 'quotaExhausted'>;
  /** The process registry, appended (WeChat calls by API and errcode, Node's process metrics). */
  registry?: Registry;
}

/**
 * `/metrics` in Prometheus text format, computed from the store and Redis at scrape time so every
 * console instance reports the same truth: ticket age (alert when over 20 min), component token
 * life, configuration errors, and authorizer token refreshes stopped by WeChat's daily quota.
 */
export const metricsRoutes: FastifyPluginAsync<MetricsRoutesOptions> = async (app, { store, authorizerTokens, registry }) => {
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
    const errorLines = [
      '# HELP weixin3rd_component_config_error 1 when WeChat reported a configuration error for the component.',
      '# TYPE weixin3rd_component_config_error gauge',
    ];
    const quotaLines = [
      '# HELP weixin3rd_authorizer_token_refresh_stopped 1 while api_authorizer_token answered 45009: no refresh until the daily quota resets at 00:00 Beijing time; valid tokens are still served.',
      '# TYPE weixin3rd_authorizer_token_refresh_stopped gauge',
    ];
    for (const appId of await store.components.listAppIds()) {
      const [ticket, token, summary, stopped] = await Promise.all([
        store.tickets.latest(appId),
        store.componentTokens.get(appId),
        store.components.summary(appId),
        authorizerTokens.quotaExhausted(appId),
      ]);
      const label = `{component="${appId}"}`;
      lines.push(`weixin3rd_component_ticket_age_seconds${label} ${ticket ? Math.round((now - ticket.receivedAt.getTime()) / 1000) : -1}`);
      tokenLines.push(
        `weixin3rd_component_token_expires_in_seconds${label} ${token ? Math.round((token.expiresAt.getTime() - now) / 1000) : -1}`,
      );
      errorLines.push(`weixin3rd_component_config_error${label} ${summary?.lastError ? 1 : 0}`);
      quotaLines.push(`weixin3rd_authorizer_token_refresh_stopped${label} ${stopped ? 1 : 0}`);
    }
    const processMetrics = registry ? await registry.metrics() : '';
    return reply
      .type('text/plain; version=0.0.4')
      .send(`${[...lines, ...tokenLines, ...errorLines, ...quotaLines].join('\n')}\n${processMetrics}`);
  });
};
