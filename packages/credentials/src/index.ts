/** Ownership of credentials WeChat issues: the component access token (authorizer tokens come next). */
export { ComponentTokenService, TicketMissingError, type ComponentTokenServiceDeps, type TicketHealth } from './component-token.service.js';
export { LockTimeoutError, withLock } from './redis-lock.js';
