/** Ownership of credentials WeChat issues: the component access token (authorizer tokens come next). */
export { ComponentTokenService, TicketMissingError, type ComponentTokenServiceDeps, type TicketHealth } from './component-token.service.js';
export { TicketNotices } from './ticket-notices.js';
export { LockTimeoutError, withLock } from './redis-lock.js';
export {
  AuthorizerTokenService,
  AuthorizerUnavailableError,
  QuotaExhaustedError,
  type AuthorizerTokenServiceDeps,
  type RefreshOutcome,
  type ServedToken,
} from './authorizer-token.service.js';
export {
  AUTHORIZER_REFRESH_WINDOW_MS,
  COMPONENT_REFRESH_MARGIN_MS,
  WECHAT_TOKEN_OVERLAP_MS,
  tokenAnswer,
  type TokenAnswer,
} from './token-answer.js';
