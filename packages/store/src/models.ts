import { Schema, type Connection } from 'mongoose';

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

export interface TicketEntry {
  value: string;
  createTime: number;
  receivedAt: Date;
}

/** The latest and previous component_verify_ticket of a component (value sealed). */
export interface ComponentTicketDoc {
  appId: string;
  latest: TicketEntry;
  previous: TicketEntry | null;
}

/** The component access token: one owner, monotonic version for compare-and-set. */
export interface ComponentTokenDoc {
  appId: string;
  accessToken: string;
  expiresAt: Date;
  version: number;
  refreshedAt: Date;
}

export interface AuthorizerDoc {
  componentAppId: string;
  appId: string;
  status: 'authorized' | 'unauthorized' | 'reauth_required';
  shopId: string | null;
  userName: string | null;
  updatedAt: Date;
}

/** Single documents of store-wide facts (which DATA_KEY sealed this database). */
export interface MetaDoc {
  _id: string;
  value: string;
}

const ticketEntry = new Schema<TicketEntry>({ value: String, createTime: Number, receivedAt: Date }, { _id: false });

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
    { appId: { type: String, required: true, unique: true }, latest: { type: ticketEntry, required: true }, previous: { type: ticketEntry, default: null } },
    { collection: 'component_tickets' },
  );
  const componentToken = new Schema<ComponentTokenDoc>(
    {
      appId: { type: String, required: true, unique: true },
      accessToken: { type: String, required: true },
      expiresAt: { type: Date, required: true },
      version: { type: Number, required: true },
      refreshedAt: { type: Date, required: true },
    },
    { collection: 'component_tokens' },
  );
  const authorizer = new Schema<AuthorizerDoc>(
    {
      componentAppId: { type: String, required: true },
      appId: { type: String, required: true },
      status: { type: String, required: true, enum: ['authorized', 'unauthorized', 'reauth_required'] },
      shopId: { type: String, default: null },
      userName: { type: String, default: null },
    },
    { timestamps: { createdAt: false, updatedAt: true }, collection: 'authorizers' },
  );
  authorizer.index({ componentAppId: 1, appId: 1 }, { unique: true });
  const meta = new Schema<MetaDoc>({ _id: String, value: String }, { collection: 'meta' });
  return {
    component: conn.model('Component', component),
    ticket: conn.model('ComponentTicket', ticket),
    componentToken: conn.model('ComponentToken', componentToken),
    authorizer: conn.model('Authorizer', authorizer),
    meta: conn.model('Meta', meta),
  };
}

export type Models = ReturnType<typeof registerModels>;
