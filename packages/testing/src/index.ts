/** Helpers for tests that run against the real Redis and MongoDB prepared by scripts/services.mjs. */
export { uniqueName } from './names.js';
export { testMongoUri, testRedisUrl } from './services.js';
export { openTestDatabase, type TestDatabase } from './mongo.js';
export { openTestRedis, type TestRedis } from './redis.js';
