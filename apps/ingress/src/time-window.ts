/** 2012-01-01: no WeChat Open Platform push can be older. */
const EARLIEST_SECONDS = 1_325_376_000;

/**
 * How far ahead of our clock a WeChat time may be. Both clocks follow NTP, so 10 minutes only
 * allows for a badly set host; it also bounds how long one push with a forged CreateTime could
 * stay the "newest" ticket: one ticket interval, never the future.
 */
export const FUTURE_SLACK_SECONDS = 600;

/** Whether `value` is unix seconds WeChat could have written: digits, 2012 up to now plus the slack. */
export function plausibleWeChatTime(value: string, nowMs = Date.now()): boolean {
  if (!/^[0-9]{10}$/.test(value)) return false;
  const seconds = Number(value);
  return seconds >= EARLIEST_SECONDS && seconds <= nowMs / 1000 + FUTURE_SLACK_SECONDS;
}
