// The ceiling: a Fastify route that reads the body and answers `success`, doing no work.
import Fastify from 'fastify';

const app = Fastify();
app.addContentTypeParser('text/xml', { parseAs: 'string' }, (_req, body, done) => done(null, body));
app.post('/wechat/:componentAppId/accounts/:appid/messages', async (_req, reply) => reply.type('text/plain').send('success'));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
console.log('ready');
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
