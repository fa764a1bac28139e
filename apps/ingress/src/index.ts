/** The ingress as a library, for tests and benchmarks that start it in-process. */
export { build, type IngressDeps } from './build.js';
export { storeLookups, type AuthorizerLookup, type ComponentLookup } from './lookups.js';
export { INGRESS_ERRORS, IngressError, type IngressErrorCode } from './errors.js';
export { dedupeKey } from './dedupe-key.js';
export { StateSigner, type AuthorizeState } from './authorize/state.js';
export { authorizeRoutes, type AuthorizeOptions } from './authorize/authorize.routes.js';
