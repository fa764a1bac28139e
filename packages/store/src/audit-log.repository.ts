import { Schema, type Connection, type Types } from 'mongoose';

/** One operator action, as the console's audit log keeps it. */
export interface AuditEntry {
  at: Date;
  /** Who: the name given at sign-in and the API token's fingerprint, or `api:<fingerprint>`. */
  actor: string;
  /** What: a stable verb, e.g. `authorizer.rebind`, `job.retry`, `signin`. */
  action: string;
  /** On what: an appid, a queue and job id… */
  target: string;
  /** Details without secrets (new shop, outcome). */
  detail: string;
  ok: boolean;
}

export function registerAuditModel(conn: Connection) {
  const schema = new Schema<AuditEntry>(
    {
      at: { type: Date, required: true },
      actor: { type: String, required: true },
      action: { type: String, required: true },
      target: { type: String, default: '' },
      detail: { type: String, default: '' },
      ok: { type: Boolean, required: true },
    },
    { collection: 'audit_log' },
  );
  schema.index({ at: -1 });
  return { audit: conn.model('AuditEntry', schema) };
}

/** `audit_log`: append-only; every operator action through the console's admin pages and API. */
export class AuditLogRepository {
  constructor(private readonly models: { audit: ReturnType<typeof registerAuditModel>['audit'] }) {}

  async record(entry: Omit<AuditEntry, 'at'> & { at?: Date }): Promise<void> {
    await this.models.audit.create({ ...entry, at: entry.at ?? new Date() });
  }

  /** The newest entries first, optionally about one target. */
  async recent(limit: number, target?: string): Promise<AuditEntry[]> {
    const docs = await this.models.audit
      .find(target ? { target } : {})
      .sort({ at: -1, _id: -1 })
      .limit(limit)
      .lean<(AuditEntry & { _id: Types.ObjectId })[]>();
    return docs.map(({ at, actor, action, target: t, detail, ok }) => ({ at, actor, action, target: t, detail, ok }));
  }
}
