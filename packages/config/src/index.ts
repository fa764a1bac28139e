/** The environment of CONTRACT.md as one schema: validated once, frozen. */
export { ConfigError, type ConfigProblem } from './errors.js';
export { EXIT_CONFIG, loadConfig, loadConfigOrExit, type ExitHooks } from './load-config.js';
export { SANDBOX_DEV_COMPONENT } from './sandbox-component.js';
export type { ComponentCredentials, Config, LogLevel } from './types.js';
export { APPID_PATTERN, APPID_REGEX, AppId, SHOP_ID_PATTERN, SHOP_ID_REGEX, ShopId } from './ids.js';
export { ContentMatch, MAX_PATTERN_LENGTH, RouteMatch } from './message-route.js';
