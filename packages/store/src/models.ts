import { Schema, type Connection } from 'mongoose';
import { registerAuditModel } from './audit-log.repository.js';
import { registerMessageModels } from './message-models.js';

/** A component (third-party platform); secrets are sealed with DATA_KEY. */
export interface ComponentDoc {
  appId: string;
  appSecret: string;
  token: string;
  encodingAesKey: string;
  previousEncodingAesKey: string | null;
  lastError: { code: string; message: string; at: Date } | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * One received component_verify_ticket (value sealed). Tickets are appended, never updated: the
 * newest by CreateTime is the current one. Inserts are atomic on every MongoDB-compatible store,
 * where a compare-and-set update is not (FerretDB 1.x applies concurrent updates with the same
 * filter one after the other, both "matching").
 */
export interface ComponentTicketDoc {
  appId: string;
  createTime: number;
  valueHash: string;
  value: string;
  receivedAt: Date;
}

/**
 * One issued component access token. Versions are appended under a unique (appId, version)
 * index: saving version n+1 twice fails the second time, which is the compare-and-set.
 */
export interface ComponentTokenDoc {
  appId: string;
  accessToken: string;
  expiresAt: Date;
  version: number;
  refreshedAt: Date;
}

/** An account (official account or mini program) that authorized a component. */
export interface AuthorizerDoc {
  componentAppId: string;
  appId: string;
  status: 'authorized' | 'unauthorized' | 'reauth_required';
  shopId: string | null;
  kind: 'official' | 'mini' | null;
  nickName: string | null;
  headImg: string | null;
  userName: string | null;
  principalName: string | null;
  alias: string | null;
  qrcodeUrl: string | null;
  serviceType: number | null;
  verifyType: number | null;
  funcInfo: number[];
  /** Sealed. */
  refreshToken: string | null;
  /** Sealed. */
  accessToken: string | null;
  accessTokenExpiresAt: Date | null;
  /** Monotonic: every token write increments it (compare-and-set). */
  tokenVersion: number;
  /**
   * Unix seconds of the newest authorization change applied (a push's CreateTime, or when a
   * redirect was received): a late or retried older push must not undo a newer change.
   */
  lastChangeAt: number | null;
  authorizedAt: Date | null;
  unauthorizedAt: Date | null;
  updatedAt: Date;
}

/** An authorization code being or having been exchanged: the redirect and the push carry the same one. */
export interface AuthCodeDoc {
  _id: string;
  owner: string;
  componentAppId: string;
  authorizerAppId: string | null;
  status: 'processing' | 'done' | 'failed';
  outcome: string | null;
  /** The event the exchange publishes, decided once: a re-run must publish the same one. */
  eventType?: 'authorized' | 'updateauthorized';
  /** When api_query_auth was first sent for it: a later 61009 may mean that call succeeded. */
  queriedAt: Date | null;
  /** The api_query_auth answer, sealed, while the exchange is unfinished: codes are single-use. */
  exchange?: string | null;
  createdAt: Date;
}

/** A used `state` nonce of the authorization page: each state works once. */
export interface StateNonceDoc {
  _id: string;
  usedAt: Date;
}

/** Single documents of store-wide facts (which DATA_KEY sealed this database). */
export interface MetaDoc {
  _id: string;
  value: string;
}

/** The models on one connection (not mongoose's global one, so tests and apps can hold several). */
export function registerModels(conn: Connection) {
  const component = new Schema<ComponentDoc>(
    {
      appId: { type: String, required: true, unique: true },
      appSecret: { type: String, required: true },
      token: { type: String, required: true },
      encodingAesKey: { type: String, required: true },
      previousEncodingAesKey: { type: String, default: null },
      lastError: { type: new Schema({ code: String, message: String, at: Date }, { _id: false }), default: null },
    },
    { timestamps: true, collection: 'components' },
  );
  const ticket = new Schema<ComponentTicketDoc>(
    {
      appId: { type: String, required: true },
      createTime: { type: Number, required: true },
      valueHash: { type: String, required: true },
      value: { type: String, required: true },
      receivedAt: { type: Date, required: true },
    },
    { collection: 'component_tickets' },
  );
  ticket.index({ appId: 1, valueHash: 1 }, { unique: true });
  ticket.index({ appId: 1, createTime: -1 });
  const componentToken = new Schema<ComponentTokenDoc>(
    {
      appId: { type: String, required: true },
      accessToken: { type: String, required: true },
      expiresAt: { type: Date, required: true },
      version: { type: Number, required: true },
      refreshedAt: { type: Date, required: true },
    },
    { collection: 'component_tokens' },
  );
  componentToken.index({ appId: 1, version: 1 }, { unique: true });
  const authorizer = new Schema<AuthorizerDoc>(
    {
      componentAppId: { type: String, required: true },
      appId: { type: String, required: true },
      status: { type: String, required: true, enum: ['authorized', 'unauthorized', 'reauth_required'] },
      shopId: { type: String, default: null },
      kind: { type: String, default: null },
      nickName: { type: String, default: null },
      headImg: { type: String, default: null },
      userName: { type: String, default: null },
      principalName: { type: String, default: null },
      alias: { type: String, default: null },
      qrcodeUrl: { type: String, default: null },
      serviceType: { type: Number, default: null },
      verifyType: { type: Number, default: null },
      funcInfo: { type: [Number], default: [] },
      refreshToken: { type: String, default: null },
      accessToken: { type: String, default: null },
      accessTokenExpiresAt: { type: Date, default: null },
      tokenVersion: { type: Number, default: 0 },
      lastChangeAt: { type: Number, default: null },
      authorizedAt: { type: Date, default: null },
      unauthorizedAt: { type: Date, default: null },
    },
    { timestamps: { createdAt: false, updatedAt: true }, collection: 'authorizers' },
  );
  authorizer.index({ componentAppId: 1, appId: 1 }, { unique: true });
  authorizer.index({ accessTokenExpiresAt: 1 });
  authorizer.index({ shopId: 1 });
  const authCode = new Schema<AuthCodeDoc>(
    {
      _id: String,
      owner: { type: String, required: true },
      componentAppId: { type: String, required: true },
      authorizerAppId: { type: String, default: null },
      status: { type: String, required: true },
      outcome: { type: String, default: null },
      eventType: { type: String },
      queriedAt: { type: Date, default: null },
      exchange: { type: String, default: null },
      createdAt: { type: Date, required: true },
    },
    { collection: 'auth_codes' },
  );
  const stateNonce = new Schema<StateNonceDoc>({ _id: String, usedAt: { type: Date, required: true } }, { collection: 'state_nonces' });
  stateNonce.index({ usedAt: 1 });
  const meta = new Schema<MetaDoc>({ _id: String, value: String }, { collection: 'meta' });
  return {
    component: conn.model('Component', component),
    ticket: conn.model('ComponentTicket', ticket),
    componentToken: conn.model('ComponentToken', componentToken),
    authorizer: conn.model('Authorizer', authorizer),
    authCode: conn.model('AuthCode', authCode),
    stateNonce: conn.model('StateNonce', stateNonce),
    meta: conn.model('Meta', meta),
    ...registerMessageModels(conn),
    ...registerAuditModel(conn),
  };
}

export type Models = ReturnType<typeof registerModels>;
