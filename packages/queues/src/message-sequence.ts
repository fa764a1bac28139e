import { keyDigest } from './key-digest.js';
import type { Redis } from 'ioredis';
import type { ServiceMessageJob } from './service-messages.js';

/**
 * A message waiting in its account's line, or holding it (the head): everything needed to add
 * its `messages.<service>` job and, once the handler finishes, to deliver its reply.
 */
export interface SequencedMessage {
  jobId: string;
  service: string;
  routeId: string | null;
  /** `mini`: mini programs take only transfer_customer_service passively. */
  kind: 'official' | 'mini' | null;
  job: ServiceMessageJob;
}

/** The line of one account: `componentAppId:authorizerAppId`. */
export const accountKey = (componentAppId: string, authorizerAppId: string): string => `${componentAppId}:${authorizerAppId}`;

/** How long the per-message marker lives: WeChat's redeliveries span about 15 s. */
const MARKER_TTL_SECONDS = 300;
/** BullMQ's largest priority. */
const MAX_PRIORITY = 2 ** 21 - 1;
const SKIP = '-';

// Shared by put, finish and skipGap: hand the line to the next message that is routed, stepping
// over skipped ones. Stops at a gap (a number assigned but not routed yet) and remembers since when.
const RELEASE = `
local function release(kNext, kPending, kHead, kHeads, kGaps, kInflight, acct, now)
  if redis.call('EXISTS', kHead) == 1 then return false end
  local nx = tonumber(redis.call('GET', kNext) or '1')
  while true do
    local v = redis.call('HGET', kPending, nx)
    if not v then
      redis.call('SET', kNext, nx)
      if redis.call('HLEN', kPending) > 0 then redis.call('ZADD', kGaps, 'NX', now, acct) else redis.call('ZREM', kGaps, acct) end
      return false
    end
    redis.call('HDEL', kPending, nx)
    nx = nx + 1
    if v ~= '${SKIP}' then
      redis.call('SET', kNext, nx)
      redis.call('SET', kHead, v)
      redis.call('ZADD', kHeads, now, acct)
      redis.call('ZREM', kGaps, acct)
      redis.call('HSET', kInflight, cjson.decode(v).jobId, acct)
      return v
    end
  end
end
`;

// KEYS: counter, marker, next. ARGV: marker ttl. The same message (a redelivery) keeps its number.
const ASSIGN = `
local s = redis.call('GET', KEYS[2])
if s == 'p' then return {0, 0} end
if not s then
  s = redis.call('INCR', KEYS[1])
  redis.call('SET', KEYS[2], s, 'EX', ARGV[1])
end
local nx = tonumber(redis.call('GET', KEYS[3]) or '1')
return {tonumber(s), tonumber(s) - nx}
`;

// KEYS: counter, marker, next, pending, head, heads, gaps, inflight. ARGV: seq|'', value, now, acct, ttl.
const PUT = `${RELEASE}
if redis.call('GET', KEYS[2]) == 'p' then return 'dup' end
local nx = tonumber(redis.call('GET', KEYS[3]) or '1')
local s = tonumber(ARGV[1])
-- Without a number, or after its turn was skipped: the message joins the end of the line.
if s == nil or s < nx then s = redis.call('INCR', KEYS[1]) end
redis.call('HSET', KEYS[4], s, ARGV[2])
redis.call('SET', KEYS[2], 'p', 'EX', ARGV[5])
return release(KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], ARGV[4], ARGV[3])
`;

// KEYS: next, pending, head, heads, gaps, inflight. ARGV: jobId, now, acct.
const FINISH = `${RELEASE}
local h = redis.call('GET', KEYS[3])
redis.call('HDEL', KEYS[6], ARGV[1])
if not h or cjson.decode(h).jobId ~= ARGV[1] then return false end
redis.call('DEL', KEYS[3])
redis.call('ZREM', KEYS[4], ARGV[3])
return {h, release(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], ARGV[3], ARGV[2])}
`;

// KEYS: next, pending, head, heads, gaps, inflight. ARGV: now, acct. A gap that outlived its bound:
// the line moves on to the lowest number that is routed.
const SKIP_GAP = `${RELEASE}
if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('ZREM', KEYS[5], ARGV[2]) return false end
local nx = tonumber(redis.call('GET', KEYS[1]) or '1')
if redis.call('HEXISTS', KEYS[2], nx) == 1 then return release(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], ARGV[2], ARGV[1]) end
local low = nil
for _, f in ipairs(redis.call('HKEYS', KEYS[2])) do
  local n = tonumber(f)
  if low == nil or n < low then low = n end
end
if low == nil then redis.call('ZREM', KEYS[5], ARGV[2]) return false end
redis.call('SET', KEYS[1], low)
return release(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], ARGV[2], ARGV[1])
`;

type Commands = {
  mseqAssign(...args: (string | number)[]): Promise<[number, number]>;
  mseqPut(...args: (string | number)[]): Promise<string | null>;
  mseqFinish(...args: (string | number)[]): Promise<[string, string | null] | null>;
  mseqSkipGap(...args: (string | number)[]): Promise<string | null>;
};

/**
 * Order per account (docs/ARCHITECTURE.md, "Order and fairness of messages"). The ingress gives
 * every message its account's next arrival number; worker-messages puts each routed message at
 * its number and the line releases exactly one message per account at a time to
 * `messages.<service>`: the next is released only when the previous one's job finished
 * (completed, failed for good, or timed out). Every step is one Lua script, so any number of
 * worker-messages processes may race on it.
 */
export class MessageSequence {
  private readonly redis: Redis & Commands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    const r = redis as Redis & Partial<Commands>;
    if (typeof r.mseqAssign !== 'function') {
      redis.defineCommand('mseqAssign', { numberOfKeys: 3, lua: ASSIGN });
      redis.defineCommand('mseqPut', { numberOfKeys: 8, lua: PUT });
      redis.defineCommand('mseqFinish', { numberOfKeys: 6, lua: FINISH });
      redis.defineCommand('mseqSkipGap', { numberOfKeys: 6, lua: SKIP_GAP });
    }
    this.redis = redis as Redis & Commands;
  }

  private k(acct: string, part: string): string {
    return `${this.prefix}:mseq:${acct}:${part}`;
  }

  private marker(acct: string, dedupeKey: string): string {
    return this.k(acct, `m:${keyDigest(dedupeKey, 32)}`);
  }

  get headsKey(): string {
    return `${this.prefix}:mseq:heads`;
  }

  get gapsKey(): string {
    return `${this.prefix}:mseq:gaps`;
  }

  private get inflightKey(): string {
    return `${this.prefix}:mseq:inflight`;
  }

  private lineKeys(acct: string): string[] {
    return [this.k(acct, 'next'), this.k(acct, 'pending'), this.k(acct, 'head'), this.headsKey, this.gapsKey, this.inflightKey];
  }

  /**
   * Ingress: the message's arrival number in its account's line (the same for a redelivery) and
   * the BullMQ priority of its routing job: how many of its own account's messages wait before
   * it, so an account that floods is routed after the first messages of every other account.
   */
  async assign(acct: string, dedupeKey: string): Promise<{ seq: number | undefined; priority: number }> {
    const [seq, backlog] = await this.redis.mseqAssign(
      this.k(acct, 'n'),
      this.marker(acct, dedupeKey),
      this.k(acct, 'next'),
      MARKER_TTL_SECONDS,
    );
    // 0: already routed (a redelivery); its job id absorbs the add anyway.
    return { seq: seq > 0 ? seq : undefined, priority: Math.min(Math.max(backlog + 1, 1), MAX_PRIORITY) };
  }

  /**
   * worker-messages: the routed message takes its place (`seq`), or a place at the end of the
   * line when it has none. Returns the message to release now, if the line is free.
   */
  async put(acct: string, seq: number | undefined, message: SequencedMessage, now = Date.now()): Promise<SequencedMessage | null> {
    return this.putValue(acct, seq, message.job.dedupeKey, JSON.stringify(message), now);
  }

  /** A message that goes to no service (unrouted, release test) gives up its turn. */
  async skip(acct: string, seq: number | undefined, dedupeKey: string, now = Date.now()): Promise<SequencedMessage | null> {
    return this.putValue(acct, seq, dedupeKey, SKIP, now);
  }

  private async putValue(acct: string, seq: number | undefined, dedupeKey: string, value: string, now: number) {
    const released = await this.redis.mseqPut(
      this.k(acct, 'n'),
      this.marker(acct, dedupeKey),
      ...this.lineKeys(acct),
      seq ?? '',
      value,
      now,
      acct,
      MARKER_TTL_SECONDS,
    );
    return released && released !== 'dup' ? (JSON.parse(released) as SequencedMessage) : null;
  }

  /**
   * The job `jobId` finished. Exactly one caller (of all that saw the same completion) gets the
   * finished message back, with the next one to release, if any; the others get null.
   */
  async finish(jobId: string, now = Date.now()): Promise<{ finished: SequencedMessage; next: SequencedMessage | null } | null> {
    const acct = await this.redis.hget(this.inflightKey, jobId);
    if (acct === null) return null;
    const res = await this.redis.mseqFinish(...this.lineKeys(acct), jobId, now, acct);
    if (!res) return null;
    const [finished, next] = res;
    return { finished: JSON.parse(finished) as SequencedMessage, next: next ? (JSON.parse(next) as SequencedMessage) : null };
  }

  /** The message holding an account's line, if any. */
  async head(acct: string): Promise<SequencedMessage | null> {
    const v = await this.redis.get(this.k(acct, 'head'));
    return v ? (JSON.parse(v) as SequencedMessage) : null;
  }

  /** Accounts whose head was released (or last checked) before `before`: the sweep looks at them. */
  async staleHeads(before: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.headsKey, '-inf', before, 'LIMIT', 0, limit);
  }

  /** The sweep looked at this head and found it moving: look again later. */
  async touchHead(acct: string, now = Date.now()): Promise<void> {
    await this.redis.zadd(this.headsKey, 'XX', now, acct);
  }

  /** Accounts waiting since before `before` for a number that was never routed. */
  async staleGaps(before: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.gapsKey, '-inf', before, 'LIMIT', 0, limit);
  }

  /** Gives up waiting for a missing number; returns the message released instead, if any. */
  async skipGap(acct: string, now = Date.now()): Promise<SequencedMessage | null> {
    const v = await this.redis.mseqSkipGap(...this.lineKeys(acct), now, acct);
    return v ? (JSON.parse(v) as SequencedMessage) : null;
  }
}
