import { AppId } from '@weixin3rd/config';
import type { FastifyPluginAsync } from 'fastify';
import { OMITTABLE_INFO, type AuthorizerInfoField, type FaultKind, type SandboxSettings, type TokenKind } from '../world/types.js';
import type { World } from '../world/world.js';
import { HttpError } from '@weixin3rd/runtime';

const int = { type: 'integer', minimum: 0 } as const;

// AppIds: the project's one pattern (packages/config), so the control API never refuses an id the
// project accepts (COMPONENT_APPID, the ingress's paths); every id WeChat issues matches it.

/** Control API for the world's state: settings, clock, components, accounts, faults, call log. */
export const worldRoutes: FastifyPluginAsync<{ world: World }> = async (app, { world }) => {
  app.get('/sandbox/state', async () => ({
    settings: world.settings,
    clockOffsetSeconds: world.clock.offsetSeconds,
    now: new Date(world.clock.nowMs()).toISOString(),
    components: [...world.components.values()],
    accounts: world.accounts.size,
    authorizations: [...world.authorizations.values()].filter((a) => a.status === 'authorized').length,
    tickets: world.tickets.length,
    tokens: world.tokens.size,
    faults: world.faults,
    calls: world.calls.length,
  }));

  app.put<{ Body: Partial<SandboxSettings> }>(
    '/sandbox/settings',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            tokenTtlSeconds: { type: 'integer', minimum: 1 },
            overlapSeconds: int,
            ticketValiditySeconds: { type: 'integer', minimum: 1 },
            ticketIntervalSeconds: int,
            preAuthCodeTtlSeconds: { type: 'integer', minimum: 1 },
            authCodeTtlSeconds: { type: 'integer', minimum: 1 },
            authCodeReuse: { type: 'boolean' },
            listRefreshTokens: { enum: ['present', 'empty', 'missing'] },
            pushTimeoutMs: { type: 'integer', minimum: 1 },
            pushAttempts: { type: 'integer', minimum: 1, maximum: 10 },
            pushRetryDelayMs: int,
            dailyQuota: { anyOf: [int, { type: 'null' }] },
            monthlyQuotaClears: int,
          },
        },
      },
    },
    async (req) => {
      Object.assign(world.settings, req.body);
      return world.settings;
    },
  );

  app.post<{ Body: { seconds: number } }>(
    '/sandbox/clock/advance',
    { schema: { body: { type: 'object', required: ['seconds'], properties: { seconds: { type: 'number', minimum: 0 } } } } },
    async (req) => {
      world.clock.advance(req.body.seconds);
      return { offsetSeconds: world.clock.offsetSeconds, now: new Date(world.clock.nowMs()).toISOString() };
    },
  );

  app.put<{ Params: { appId: string }; Body: Record<string, unknown> }>(
    '/sandbox/components/:appId',
    {
      schema: {
        params: { type: 'object', properties: { appId: AppId } },
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            appSecret: { type: 'string', minLength: 1 },
            token: { type: 'string', pattern: '^[A-Za-z0-9]{3,32}$' },
            encodingAesKey: { type: 'string', pattern: '^[A-Za-z0-9]{43}$' },
            authEventUrl: { type: ['string', 'null'], format: 'uri' },
            messageUrl: { type: ['string', 'null'] },
            authDomain: { type: ['string', 'null'] },
            ipAllowList: { anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'null' }] },
            ticketPushPaused: { type: 'boolean' },
          },
        },
      },
    },
    async (req) => world.upsertComponent({ ...req.body, appId: req.params.appId }),
  );

  app.get<{ Params: { appId: string } }>('/sandbox/components/:appId', async (req) => {
    const component = world.components.get(req.params.appId);
    if (!component) throw new HttpError(404, 'COMPONENT_NOT_FOUND', `no component ${req.params.appId}`);
    return component;
  });

  app.get('/sandbox/accounts', async () => [...world.accounts.values()]);

  app.get<{ Params: { appId: string } }>('/sandbox/accounts/:appId', async (req) => {
    const account = world.accounts.get(req.params.appId);
    if (!account) throw new HttpError(404, 'ACCOUNT_NOT_FOUND', `no account ${req.params.appId}`);
    return account;
  });

  app.post<{
    Body: {
      appId: string;
      userName: string;
      nickName: string;
      kind: 'official' | 'mini';
      serviceType?: number;
      verifyType?: number;
      funcInfo?: number[];
      principalName?: string;
      omitInfo?: AuthorizerInfoField[];
    };
  }>(
    '/sandbox/accounts',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['appId', 'userName', 'nickName', 'kind'],
          properties: {
            appId: AppId,
            userName: { type: 'string', pattern: '^gh_[0-9a-f]{12}$' },
            nickName: { type: 'string', minLength: 1, maxLength: 64 },
            kind: { enum: ['official', 'mini'] },
            serviceType: { type: 'integer' },
            verifyType: { type: 'integer' },
            principalName: { type: 'string' },
            funcInfo: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1 },
            omitInfo: { type: 'array', items: { enum: [...OMITTABLE_INFO] }, uniqueItems: true },
          },
        },
      },
    },
    async (req, reply) => {
      if (world.accounts.has(req.body.appId)) throw new HttpError(409, 'ACCOUNT_EXISTS', `account ${req.body.appId} exists`);
      return reply.code(201).send(world.upsertAccount(req.body));
    },
  );

  app.get<{ Querystring: { component?: string } }>('/sandbox/authorizations', async (req) =>
    [...world.authorizations.values()].filter((a) => !req.query.component || a.componentAppId === req.query.component),
  );

  app.post<{ Body: { api?: string; kind: FaultKind; delayMs?: number; status?: number; errcode?: number; remaining?: number | null } }>(
    '/sandbox/faults',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['kind'],
          properties: {
            api: { type: 'string', minLength: 1 },
            kind: { enum: ['latency', 'timeout', 'lost-answer', 'busy', 'http5xx', 'errcode'] },
            delayMs: int,
            status: { type: 'integer', minimum: 500, maximum: 599 },
            errcode: { type: 'integer' },
            remaining: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }] },
          },
        },
      },
    },
    async (req, reply) => reply.code(201).send(world.addFault(req.body)),
  );
  app.get('/sandbox/faults', async () => world.faults);
  app.delete('/sandbox/faults', async () => {
    world.faults = [];
    return { cleared: true };
  });
  app.delete<{ Params: { id: string } }>('/sandbox/faults/:id', async (req) => {
    const before = world.faults.length;
    world.faults = world.faults.filter((f) => f.id !== req.params.id);
    if (world.faults.length === before) throw new HttpError(404, 'FAULT_NOT_FOUND', `no fault ${req.params.id}`);
    return { cleared: true };
  });

  app.post<{ Body: { kind?: TokenKind } }>(
    '/sandbox/tokens/invalidate',
    { schema: { body: { type: 'object', additionalProperties: false, properties: { kind: { enum: ['component', 'authorizer'] } } } } },
    async (req) => ({ invalidated: world.invalidateTokens(req.body?.kind) }),
  );

  app.get<{ Querystring: { api?: string; since?: string } }>('/sandbox/calls', async (req) => {
    const since = Number(req.query.since ?? 0);
    return world.calls.filter((c) => c.seq > since && (!req.query.api || c.api === req.query.api));
  });
  app.get<{ Querystring: { api: string } }>('/sandbox/calls/in-flight', async (req) => ({
    inFlight: world.inFlight.get(req.query.api) ?? 0,
  }));
  app.delete('/sandbox/calls', async () => {
    world.calls = [];
    return { cleared: true };
  });
  app.get('/sandbox/custom-messages', async () => world.customMessages);
};
