import { randomUUID } from 'node:crypto';

export type PushKind = 'ticket' | 'authorization' | 'message';

/** One delivery of a push and what the project answered. */
export interface PushAttempt {
  at: string;
  status: number | null;
  body: string;
  durationMs: number;
  error: string | null;
}

/** A push and its outcome: acknowledged (`success`/empty), replied (valid encrypted reply), or failed. */
export interface PushRecord {
  id: string;
  kind: PushKind;
  componentAppId: string;
  url: string;
  /** InfoType for authorization-event pushes, MsgType (and Event) for messages. */
  type: string;
  plaintext: string;
  attempts: PushAttempt[];
  outcome: 'pending' | 'acknowledged' | 'replied' | 'failed';
  /** Why it failed, in WeChat's terms. */
  failure: string | null;
  /** Decrypted inner XML of a passive reply. */
  reply: string | null;
  replyFields: Record<string, unknown> | null;
}

/** Every push the sandbox made, newest last, bounded so a long demo does not grow forever. */
export class PushLog {
  readonly records: PushRecord[] = [];

  constructor(private readonly limit = 5000) {}

  start(input: Pick<PushRecord, 'kind' | 'componentAppId' | 'url' | 'type' | 'plaintext'>): PushRecord {
    const record: PushRecord = {
      id: randomUUID(),
      attempts: [],
      outcome: 'pending',
      failure: null,
      reply: null,
      replyFields: null,
      ...input,
    };
    this.records.push(record);
    if (this.records.length > this.limit) this.records.splice(0, this.records.length - this.limit);
    return record;
  }

  clear(): void {
    this.records.length = 0;
  }
}
