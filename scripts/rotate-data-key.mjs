// `npm run rotate-data-key`: re-seals every stored secret with DATA_KEY. Run it after every process
// was restarted with the new DATA_KEY and the old one in DATA_KEY_PREVIOUS; it is safe while they
// run, and resumable (Ctrl-C, then run it again). When it says "complete", DATA_KEY_PREVIOUS can go.
import { loadConfigOrExit } from '@weixin3rd/config';
import { createLogger } from '@weixin3rd/runtime';
import { connectStore, rotateDataKey } from '@weixin3rd/store';

const config = loadConfigOrExit();
const logger = createLogger({ name: 'rotate-data-key', level: config.logLevel });
if (config.dataKeyPrevious.length === 0)
  logger.warn({}, 'DATA_KEY_PREVIOUS is empty: only values already sealed with DATA_KEY can be read');
const store = await connectStore(config.mongo.uri, { dataKey: config.dataKey, previousDataKeys: [...config.dataKeyPrevious] });
const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());
const report = await rotateDataKey(store, {
  signal: stop.signal,
  onProgress: (p) => (p.resealed > 0 && p.resealed % 1000 === 0 ? logger.info(p, 'progress') : undefined),
});
await store.close();
logger.info(
  report,
  report.complete ? 'complete: every secret is sealed with DATA_KEY; DATA_KEY_PREVIOUS can be removed' : 'not complete: run again',
);
process.exitCode = report.complete ? 0 : 1;
