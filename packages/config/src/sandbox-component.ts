/**
 * The development component the WeChat sandbox and the project share when no real credentials
 * are configured. Public on purpose: it only ever talks to the local sandbox.
 */
export const SANDBOX_DEV_COMPONENT = Object.freeze({
  appId: 'wxd3a0b0c0ffee0001',
  appSecret: 'a3f1c2d4e5b6978812345678abcdef01',
  token: 'weixin3rdsandbox',
  encodingAesKey: 'weixin3rdSandboxDevelopmentKey0123456789abc',
});
