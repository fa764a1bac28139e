/** The WeChat sandbox as a library, for tests that start it in-process. */
export { build, type SandboxDeps } from './build.js';
export { World, type ConsentResult, type CustomMessage } from './world/world.js';
export { componentForProject } from './world/default-component.js';
export { RELEASE_TEST_GROUPS } from './world/seed-accounts.js';
export { Pusher, SERVICE_UNAVAILABLE } from './push/pusher.js';
export { PushLog, type PushRecord } from './push/push-log.js';
export { TicketSchedule } from './push/ticket-schedule.js';
export { runReleaseTest, type ReleaseReport } from './release/release-runner.js';
export type * from './world/types.js';
