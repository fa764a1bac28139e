import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { requireSession } from './guard.js';
import type { SessionStore } from './session.js';

/**
 * `/queues`: bull-board over every queue, behind the admin sign-in. Its UI and assets come from
 * the package (no CDN); its retry/clean/promote calls are same-site XHRs, which the session guard
 * checks (a cross-site Origin is refused, and the SameSite=Strict cookie is not sent from another site).
 */
export async function queuesDashboard(
  app: FastifyInstance,
  queues: readonly Queue[],
  sessions: SessionStore,
  /** Called before each request to /queues: queues opened since (new message services) join the board. */
  discover: () => Promise<Queue[]> = async () => [],
): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  const board = createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'weixin3rd 队列', miscLinks: [{ text: '← 控制台 Admin', url: '/admin' }] } },
  });
  serverAdapter.setBasePath('/queues');
  await app.register(async (scope) => {
    scope.addHook('onRequest', requireSession(sessions));
    scope.addHook('onRequest', async () => {
      for (const queue of await discover()) board.addQueue(new BullMQAdapter(queue));
    });
    // bull-board's page links Google Fonts; the console serves nothing from elsewhere (system fonts instead).
    scope.addHook('onSend', async (_req, _reply, payload) =>
      typeof payload === 'string' ? payload.replace(/<link[^>]+fonts\.(googleapis|gstatic)\.com[^>]*>/g, '') : payload,
    );
    await scope.register(serverAdapter.registerPlugin(), { prefix: '/queues' });
  });
}
