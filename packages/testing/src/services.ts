/** Where the prepared local services answer (scripts/services.mjs makes sure they do). */
export const testRedisUrl = (): string => process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** MONGODB_URI with its database replaced by `dbName`. */
export function testMongoUri(dbName: string): string {
  const base = new URL(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/weixin3rd');
  base.pathname = `/${dbName}`;
  return base.toString();
}
