/** Typed client of WeChat's component APIs: errcodes become WeChatApiError, with a retry policy. */
export { WeChatApiError, isWeChatApiError, splitRid, type ErrorKind } from './errors.js';
export { Transport, type TransportOptions } from './transport.js';
export { AuthorizerApi, ComponentApi, type TokenSource } from './component-api.js';
export type * from './types.js';
export { RELEASE_TEST, RELEASE_TEST_APPIDS, RELEASE_TEST_GROUPS } from './release-test.js';
export { PERMISSION_SETS, permissionSetName } from './permission-sets.js';
export { observeWeChatCalls, type WeChatCallObserver } from './call-observers.js';
