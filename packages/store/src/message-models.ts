import type { RouteMatch } from '@weixin3rd/config';
import { Schema, type Connection } from 'mongoose';

/** A routing rule: messages it matches go to the BullMQ queue `messages.<service>`. */
export interface MessageRouteDoc {
  service: string;
  priority: number;
  enabled: boolean;
  /** Declared once, in @weixin3rd/config. */
  match: RouteMatch;
  createdAt: Date;
  updatedAt: Date;
}

export type MessageStatus = 'unrouted' | 'queued' | 'handled' | 'failed' | 'timed_out' | 'release-test';

/** What messages-out's sender did with a reply that could not go back passively. */
export interface OutboundOutcome {
  status: 'sent' | 'failed' | 'skipped';
  errcode: number | null;
  errmsg: string | null;
  attempts: number;
  at: Date;
}

/**
 * One message of an authorized account, keyed by its dedupe key (which holds the component and
 * the account): where it went and what became of it. Written by worker-messages, never by the
 * ingress (no MongoDB on the push path).
 */
export interface MessageDoc {
  _id: string;
  componentAppId: string;
  authorizerAppId: string;
  shopId: string | null;
  openid: string;
  msgType: string;
  event: string | null;
  /** The account's arrival number (order of handling), null for a message without one. */
  seq: number | null;
  routeId: string | null;
  service: string | null;
  status: MessageStatus;
  /** The handler's reply and how it left: passively, or handed to the outbound sender. */
  reply: { type: string; delivery: 'passive' | 'outbound' | 'dropped' } | null;
  outbound: OutboundOutcome | null;
  error: string | null;
  receivedAt: Date;
  updatedAt: Date;
}

export function registerMessageModels(conn: Connection) {
  const route = new Schema<MessageRouteDoc>(
    {
      service: { type: String, required: true },
      priority: { type: Number, required: true },
      enabled: { type: Boolean, required: true },
      match: { type: Schema.Types.Mixed, default: {} },
    },
    { timestamps: true, collection: 'message_routes', minimize: false },
  );
  const outbound = new Schema<OutboundOutcome>(
    { status: String, errcode: Number, errmsg: String, attempts: Number, at: Date },
    { _id: false },
  );
  const message = new Schema<MessageDoc>(
    {
      _id: String,
      componentAppId: { type: String, required: true },
      authorizerAppId: { type: String, required: true },
      shopId: { type: String, default: null },
      openid: { type: String, default: '' },
      msgType: { type: String, default: '' },
      event: { type: String, default: null },
      seq: { type: Number, default: null },
      routeId: { type: String, default: null },
      service: { type: String, default: null },
      status: { type: String, required: true },
      reply: { type: new Schema({ type: { type: String }, delivery: String }, { _id: false }), default: null },
      outbound: { type: outbound, default: null },
      error: { type: String, default: null },
      receivedAt: { type: Date, required: true },
    },
    { timestamps: { createdAt: false, updatedAt: true }, collection: 'messages' },
  );
  message.index({ componentAppId: 1, authorizerAppId: 1, receivedAt: -1 });
  message.index({ status: 1, receivedAt: -1 });
  return {
    messageRoute: conn.model('MessageRoute', route),
    message: conn.model('Message', message),
  };
}
