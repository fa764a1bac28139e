import { Producer, QUEUE, jobIds, subscriberQueue, type AuthorizerEventJob } from '@weixin3rd/queues';
import type { Redis } from 'ioredis';

/** The authorizer fields an event carries (a stored authorizer has them all). */
export interface AuthorizerSnapshot {
  componentAppId: string;
  appId: string;
  shopId: string | null;
  funcInfo: number[];
  nickName: string | null;
  userName: string | null;
  principalName: string | null;
  serviceType: number | null;
  verifyType: number | null;
}

/**
 * Publishes `authorizer-events` (CONTRACT.md): one job per change with a deterministic id, copied
 * to `authorizer-events.<subscriber>` for each AUTHORIZER_EVENT_SUBSCRIBERS name so that several
 * services each get every event.
 */
export class EventPublisher {
  private readonly queues: Producer<'authorizer-events'>[];

  constructor(connection: Redis, prefix: string, subscribers: readonly string[]) {
    const names = [QUEUE.authorizerEvents, ...subscribers.map(subscriberQueue)];
    this.queues = names.map((queueName) => new Producer('authorizer-events', connection, prefix, { queueName, sharedConnection: true }));
  }

  /** `version` makes the job id: the same change published twice (a retried job) is one event. */
  async publish(type: AuthorizerEventJob['type'], authorizer: AuthorizerSnapshot, version: string): Promise<AuthorizerEventJob> {
    const event: AuthorizerEventJob = {
      type,
      componentAppId: authorizer.componentAppId,
      authorizerAppId: authorizer.appId,
      shopId: authorizer.shopId,
      funcInfo: authorizer.funcInfo,
      occurredAt: new Date().toISOString(),
      account: {
        nickName: authorizer.nickName ?? '',
        userName: authorizer.userName ?? '',
        principalName: authorizer.principalName ?? '',
        serviceType: authorizer.serviceType ?? 0,
        verifyType: authorizer.verifyType ?? 0,
      },
    };
    const jobId = jobIds.authorizerEvent(type, authorizer.appId, version);
    await Promise.all(this.queues.map((q) => q.add(type, event, jobId)));
    return event;
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close()));
  }
}
