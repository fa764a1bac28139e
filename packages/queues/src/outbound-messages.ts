import { Type, type Static } from 'typebox';
import { MessageReply } from './service-messages.js';

/**
 * `messages-outbound`: replies that go to the user through the customer-service API
 * (`/cgi-bin/message/custom/send`) instead of passively; the worker checks each payload against
 * this schema (its entry in jobs.ts). WARNING: jobs of this shape may be waiting in Redis;
 * change it only compatibly.
 */

/** A link card: mini programs take it through custom/send (a news reply becomes one). */
const Link = Type.Object({
  type: Type.Literal('link'),
  title: Type.String({ minLength: 1 }),
  description: Type.String(),
  url: Type.String({ minLength: 1 }),
  thumbUrl: Type.String(),
});

/** A mini program card (小程序卡片). */
const MiniProgramPage = Type.Object({
  type: Type.Literal('miniprogrampage'),
  title: Type.String({ minLength: 1 }),
  pagepath: Type.String({ minLength: 1 }),
  thumbMediaId: Type.String({ minLength: 1 }),
  appid: Type.Optional(Type.String()),
});

/** What an outbound job sends: a handler's reply, or one of the card types only this API takes. */
export const OutboundReply = Type.Union([MessageReply, Link, MiniProgramPage]);

export const OutboundMessageJob = Type.Object({
  componentAppId: Type.String({ minLength: 1 }),
  authorizerAppId: Type.String({ minLength: 1 }),
  /** The user: FromUserName of the message being answered. */
  openid: Type.String({ minLength: 1 }),
  /** The answered message's dedupe key: the job id, and where the outcome is recorded. */
  dedupeKey: Type.String({ minLength: 1 }),
  reply: OutboundReply,
  /** late: ready after the ingress budget; mini-program: not passive for a mini program; release-test: 全网发布. */
  reason: Type.Union([Type.Literal('late'), Type.Literal('mini-program'), Type.Literal('release-test')]),
});

export type OutboundReply = Static<typeof OutboundReply>;
export type OutboundMessageJob = Static<typeof OutboundMessageJob>;
