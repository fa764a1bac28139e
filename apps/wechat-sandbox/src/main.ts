import { bootProcess } from '@weixin3rd/runtime';
import { build } from './build.js';
import { cryptoSelfTest } from './crypto-self-test.js';
import { Pusher } from './push/pusher.js';
import { TicketSchedule } from './push/ticket-schedule.js';
import { componentForProject } from './world/default-component.js';
import { World } from './world/world.js';

await bootProcess('wechat-sandbox', async ({ config, logger, onClose }) => {
  cryptoSelfTest();
  const credentials = config.bootstrapComponent;
  if (!credentials) throw new Error('the sandbox needs a component: set COMPONENT_* or run in sandbox mode');
  const world = new World([componentForProject(credentials, { publicBaseUrl: config.http.publicBaseUrl })]);
  world.settings.ticketIntervalSeconds = config.sandbox.ticketIntervalSeconds;

  const pusher = new Pusher(world);
  const schedule = new TicketSchedule(world, pusher, (err) => logger.warn({ err }, 'ticket push failed'));
  const app = await build({
    world,
    pusher,
    logger,
    onStartPushTicket: (appId) => void pusher.pushTicket(appId).catch((err: unknown) => logger.warn({ err }, 'ticket push failed')),
  });
  onClose(() => app.close());
  await app.listen({ host: config.http.host, port: config.http.sandboxPort });
  schedule.start();
  onClose(() => schedule.stop());
  return { component: credentials.appId, control: `http://localhost:${config.http.sandboxPort}/sandbox/state` };
});
