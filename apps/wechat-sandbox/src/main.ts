import { loadConfigOrExit } from '@weixin3rd/config';
import { createLogger, onShutdown } from '@weixin3rd/runtime';
import { build } from './build.js';
import { cryptoSelfTest } from './crypto-self-test.js';
import { Pusher } from './push/pusher.js';
import { TicketSchedule } from './push/ticket-schedule.js';
import { componentForProject } from './world/default-component.js';
import { World } from './world/world.js';

const config = loadConfigOrExit();
const logger = createLogger({ name: 'wechat-sandbox', level: config.logLevel });
cryptoSelfTest();

const credentials = config.bootstrapComponent;
if (!credentials) throw new Error('the sandbox needs a component: set COMPONENT_* or run in sandbox mode');
const world = new World([componentForProject(credentials, { publicBaseUrl: config.http.publicBaseUrl })]);
const interval = Number(process.env.TICKET_INTERVAL_SECONDS ?? '');
if (Number.isInteger(interval) && interval >= 0 && process.env.TICKET_INTERVAL_SECONDS) world.settings.ticketIntervalSeconds = interval;

const pusher = new Pusher(world);
const schedule = new TicketSchedule(world, pusher, (err) => logger.warn({ err }, 'ticket push failed'));
const app = await build({
  world,
  pusher,
  logger,
  onStartPushTicket: (appId) => void pusher.pushTicket(appId).catch((err: unknown) => logger.warn({ err }, 'ticket push failed')),
});

await app.listen({ host: config.http.host, port: config.http.sandboxPort });
schedule.start();
logger.info({ component: credentials.appId, control: `http://localhost:${config.http.sandboxPort}/sandbox/state` }, 'WeChat sandbox ready');

onShutdown(
  async () => {
    schedule.stop();
    await app.close();
  },
  { logger },
);
