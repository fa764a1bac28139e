import { openTestRedis, type TestRedis } from '@weixin3rd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageSequence, type SequencedMessage } from './index.js';

let redis: TestRedis;
let seq: MessageSequence;
beforeAll(() => {
  redis = openTestRedis('message-sequence');
  seq = new MessageSequence(redis.connect(), redis.prefix);
});
afterAll(() => redis.cleanup());

const message = (acct: string, n: string): SequencedMessage => ({
  jobId: `job-${acct}-${n}`,
  service: 'crm',
  routeId: null,
  kind: 'official',
  job: {
    componentAppId: 'wx00000000000000c1',
    authorizerAppId: 'wx00000000000000a1',
    shopId: null,
    dedupeKey: `${acct}/${n}`,
    receivedAt: new Date().toISOString(),
    message: { ToUserName: 'gh_1', FromUserName: 'o1', CreateTime: '1', MsgType: 'text', Content: n },
    xml: '<xml/>',
  },
});

describe('MessageSequence', () => {
  it('releases one message per account at a time, in arrival order, whatever order they are routed in', async () => {
    const acct = 'c:a1';
    const [a, b, c] = [await seq.assign(acct, 'm1'), await seq.assign(acct, 'm2'), await seq.assign(acct, 'm3')];
    expect([a.seq, b.seq, c.seq]).toEqual([1, 2, 3]);
    expect((await seq.assign(acct, 'm2')).seq).toBe(2); // a redelivery keeps its number
    expect([a.priority, b.priority, c.priority]).toEqual([1, 2, 3]);
    // Routed out of order: 3 and 2 wait for 1.
    expect(await seq.put(acct, c.seq, message(acct, 'm3'))).toBeNull();
    expect(await seq.put(acct, b.seq, message(acct, 'm2'))).toBeNull();
    expect((await seq.put(acct, a.seq, message(acct, 'm1')))?.jobId).toBe(`job-${acct}-m1`);
    expect(await seq.put(acct, a.seq, message(acct, 'm1'))).toBeNull(); // a retried routing job adds nothing
    expect(await seq.finish(`job-${acct}-m2`)).toBeNull(); // not the head
    const first = await seq.finish(`job-${acct}-m1`);
    expect(first?.finished.jobId).toBe(`job-${acct}-m1`);
    expect(first?.next?.jobId).toBe(`job-${acct}-m2`);
    expect(await seq.finish(`job-${acct}-m1`)).toBeNull(); // only one caller hands off
    expect((await seq.finish(`job-${acct}-m2`))?.next?.jobId).toBe(`job-${acct}-m3`);
    expect((await seq.finish(`job-${acct}-m3`))?.next).toBeNull();
    expect(await seq.head(acct)).toBeNull();
  });

  it('steps over skipped turns, queues unnumbered messages at the end, and gives up on a gap after its bound', async () => {
    const acct = 'c:a2';
    const n = await Promise.all(['m1', 'm2', 'm3', 'm4'].map((m) => seq.assign(acct, m)));
    expect(await seq.put(acct, n[3]?.seq, message(acct, 'm4'))).toBeNull();
    expect(await seq.skip(acct, n[0]?.seq, `${acct}/m1`)).toBeNull(); // m2 is not routed yet: a gap
    expect(await seq.staleGaps(Date.now() + 1, 10)).toContain(acct);
    // m2 never comes (its routing failed for good without a word): the gap is skipped, m4 goes...
    expect((await seq.skipGap(acct))?.jobId).toBe(`job-${acct}-m4`);
    // ...m3 arrives after its turn passed, and joins the end of the line, as does an unnumbered one.
    expect(await seq.put(acct, n[2]?.seq, message(acct, 'm3'))).toBeNull();
    expect(await seq.put(acct, undefined, message(acct, 'm5'))).toBeNull();
    expect((await seq.finish(`job-${acct}-m4`))?.next?.jobId).toBe(`job-${acct}-m3`);
    expect((await seq.finish(`job-${acct}-m3`))?.next?.jobId).toBe(`job-${acct}-m5`);
    expect(await seq.staleHeads(Date.now() + 1, 10)).toContain(acct);
    await seq.finish(`job-${acct}-m5`);
    expect(await seq.staleHeads(Date.now() + 1, 10)).not.toContain(acct);
    expect(await seq.staleGaps(Date.now() + 1, 10)).not.toContain(acct);
  });

  it('gives a flooding account low priority: the k-th waiting message of an account gets priority k', async () => {
    for (let i = 0; i < 100; i++) await seq.assign('c:flood', `f${i}`);
    expect((await seq.assign('c:flood', 'f100')).priority).toBe(101);
    expect((await seq.assign('c:quiet', 'q0')).priority).toBe(1);
  });
});
