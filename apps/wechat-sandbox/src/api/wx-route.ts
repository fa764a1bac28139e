import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { World } from '../world/world.js';
import { WxError } from '../world/wx-error.js';

/** What an API handler gets: the parsed JSON body, the query, and the caller's IP. */
export interface WxCall {
  body: Record<string, unknown>;
  query: Record<string, string>;
  ip: string;
}

export type WxHandler = (call: WxCall) => unknown;

/** `{"errcode":0,"errmsg":"ok"}`, what WeChat's action APIs answer. */
export const OK = Object.freeze({ errcode: 0, errmsg: 'ok' });

function parseBody(raw: unknown): Record<string, unknown> {
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) throw new WxError(44002);
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new WxError(47001, 'data format error');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new WxError(47001, 'data format error');
  return value as Record<string, unknown>;
}

/**
 * Registers one WeChat API the way WeChat serves them all: POST with a JSON body, HTTP 200 with
 * `{errcode, errmsg: "… rid: …"}` on any error. Every call is recorded for tests, and injected
 * faults are applied here, so each API gets them without knowing.
 */
export function wxApi(app: FastifyInstance, world: World, name: string, url: string, handler: WxHandler): void {
  app.route({
    method: ['GET', 'POST'],
    url,
    handler: async (req: FastifyRequest, reply: FastifyReply) => {
      const query = { ...(req.query as Record<string, string>) };
      const path = req.url.split('?')[0] ?? req.url;
      let body: unknown = req.body;
      const receivedAtMs = world.clock.nowMs();
      const record = (errcode: number): void => {
        world.recordCall({ api: name, method: req.method, path, query, body, ip: req.ip, errcode }, receivedAtMs);
      };

      world.inFlight.set(name, (world.inFlight.get(name) ?? 0) + 1);
      try {
        return await answer();
      } finally {
        world.inFlight.set(name, (world.inFlight.get(name) ?? 1) - 1);
      }

      async function answer(): Promise<FastifyReply | unknown> {
        const fault = world.takeFault(name);
        if (fault?.kind === 'latency') await sleep(fault.delayMs);
        if (fault?.kind === 'timeout') {
          record(-408);
          await sleep(fault.delayMs);
          reply.raw.destroy();
          return reply;
        }
        if (fault?.kind === 'http5xx') {
          record(-fault.status);
          return reply.code(fault.status).type('text/html').send(`<html><body><h1>${fault.status}</h1></body></html>`);
        }
        if (fault?.kind === 'lost-answer') {
          // WeChat acted on the call, but the caller never hears it (its timeout fires first).
          try {
            const parsed = parseBody(req.body);
            body = parsed;
            await handler({ body: parsed, query, ip: req.ip });
            record(-408);
          } catch (error) {
            if (!(error instanceof WxError)) throw error;
            record(error.errcode);
          }
          await sleep(fault.delayMs);
          reply.raw.destroy();
          return reply;
        }
        try {
          if (fault?.kind === 'busy') throw new WxError(-1);
          if (fault?.kind === 'errcode') throw new WxError(fault.errcode);
          if (req.method !== 'POST') throw new WxError(43002);
          const parsed = parseBody(req.body);
          body = parsed;
          const result = await handler({ body: parsed, query, ip: req.ip });
          record(0);
          return result;
        } catch (error) {
          if (!(error instanceof WxError)) throw error;
          record(error.errcode);
          return error.toBody();
        }
      }
    },
  });
}

/** Reads a string field; missing or not a string answers `errcode`. */
export function stringField(body: Record<string, unknown>, name: string, errcode = 47001): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '')
    throw new WxError(errcode, errcode === 47001 ? `data format error, ${name} missing` : undefined);
  return value;
}
