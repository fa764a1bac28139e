/** Typed client of WeChat's component APIs: errcodes become WeChatApiError, with a retry policy. */
export { WeChatApiError, isWeChatApiError, splitRid, type ErrorKind } from './errors.js';
export { Transport, type TransportOptions } from './transport.js';
export { AuthorizerApi, ComponentApi, type TokenSource } from './component-api.js';
export type * from './types.js';
export { RELEASE_TEST, RELEASE_TEST_APPIDS, RELEASE_TEST_GROUPS } from './release-test.js';
export { PERMISSION_SETS, permissionSetName } from './permission-sets.js';
export {
  CUSTOM_SEND_PERMANENT,
  MINI_PROGRAM_CUSTOM_TYPES,
  OFFICIAL_CUSTOM_TYPES,
  type CustomMessage,
  type CustomMessageType,
} from './custom-message.js';
export { observeWeChatCalls, type WeChatCallObserver } from './call-observers.js';
