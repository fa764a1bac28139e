/** Repositories over MongoDB, with secrets sealed at rest by DATA_KEY. The mongoose models and connection stay inside this package. */
export { StoreError, type StoreErrorCode } from './errors.js';
export { withinStoreDeadline } from './deadline.js';
export { SecretBox, keyIdOf } from './secret-box.js';
export type { AuthCodeDoc, AuthorizerDoc, ComponentDoc, ComponentTicketDoc, ComponentTokenDoc } from './models.js';
export { ComponentsRepository, type ComponentSecrets, type ComponentSummary } from './components.repository.js';
export { TicketsRepository, type TicketSaveResult } from './tickets.repository.js';
export { ComponentTokensRepository, type StoredToken } from './component-tokens.repository.js';
export {
  AuthorizersRepository,
  type AuthorizedInput,
  type Authorizer,
  type AuthorizerFilter,
  type AuthorizerAccount,
  type BindResult,
  type ExpiringAuthorizer,
} from './authorizers.repository.js';
export { AuthorizerFactsLoader, type AuthorizerFacts } from './authorizer-facts.js';
export { AuthCodesRepository, StateNoncesRepository } from './auth-codes.repository.js';
export type { MessageDoc, MessageStatus, OutboundOutcome } from './message-models.js';
export { MessageRoutesRepository, type MessageRoute, type MessageRouteInput } from './message-routes.repository.js';
export { MessagesRepository, type MessageFinish, type MessageRecordInput } from './messages.repository.js';
export { rotateDataKey, type RotationOptions, type RotationProgress, type RotationReport } from './rotate-data-key.js';
export { connectStore, type ConnectOptions, type Store } from './store.js';
export { AuditLogRepository, type AuditEntry } from './audit-log.repository.js';
