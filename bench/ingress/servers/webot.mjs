// The peer most Node teams use: node-webot's `wechat` middleware on Express, in safe mode with
// the same token, key and appid, answering empty (no passive reply), as our ingress does.
import express from 'express';
import wechat from 'wechat';

const app = express();
const config = { token: process.env.WX_TOKEN, appid: process.env.WX_APPID, encodingAESKey: process.env.WX_AES_KEY };
app.post(
  '/wechat/:componentAppId/accounts/:appid/messages',
  wechat(config, (req, res) => {
    res.reply('');
  }),
);
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
