import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPONENT, jobCount, post, signedPush, startIngress, type Ingress } from './harness.js';

// Issue 19, fix 2: slow clients are cut off within seconds, and the ingress keeps serving.
let ing: Ingress;
let port: number;
beforeAll(async () => {
  ing = await startIngress('ingress-timeouts', { replyBudgetMs: 0 });
  port = Number(new URL(ing.url).port);
});
afterAll(() => ing.close());

interface Outcome {
  /** What the server wrote before closing (a 408 status line, or nothing). */
  received: string;
}

/** Opens a raw connection, lets `drive` write to it, and resolves when the server closes it. */
function slowClient(drive: (socket: Socket) => void): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ received });
    });
    socket.on('connect', () => {
      drive(socket);
      // A slow client keeps writing one byte a second until the server gives up on it.
      timer = setInterval(() => socket.writable && socket.write('a'), 1000);
    });
  });
}

const ticket = `<xml><AppId>${COMPONENT.appId}</AppId><CreateTime>1700000000</CreateTime><InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket>t-slow</ComponentVerifyTicket></xml>`;
const statusOf = (o: Outcome) => (o.received === '' ? 'closed' : (o.received.split('\r\n')[0] ?? ''));

describe('slow clients', () => {
  it('closes 20 connections that never finish their headers and one that sends its body a byte a second; serves meanwhile', async () => {
    const before = await jobCount(ing.producers.tickets);
    const push = signedPush(ing.crypto, ticket);
    const never = Array.from({ length: 20 }, () =>
      slowClient((s) => s.write(`POST /wechat/${COMPONENT.appId}/events?${push.query} HTTP/1.1\r\nHost: x\r\nX-Slow: `)),
    );
    const trickle = slowClient((s) =>
      s.write(
        `POST /wechat/${COMPONENT.appId}/events?${push.query} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: ${push.body.length}\r\n\r\n<`,
      ),
    );
    // While they hang, a real push goes through.
    expect(await (await post(`${ing.url}/wechat/${COMPONENT.appId}/events?${push.query}`, push.body)).text()).toBe('success');
    const outcomes = await Promise.all([...never, trickle]);
    for (const o of outcomes) expect(['closed', 'HTTP/1.1 408 Request Timeout']).toContain(statusOf(o));
    // Only the real push was stored.
    expect(await jobCount(ing.producers.tickets)).toBe(before + 1);
    expect((await fetch(`${ing.url}/healthz`)).status).toBe(200);
  }, 20_000);

  it('closes an idle kept-alive connection after its request', async () => {
    const outcome = await new Promise<Outcome>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
      let received = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (received += chunk));
      socket.on('error', reject);
      socket.on('close', () => resolve({ received }));
    });
    expect(statusOf(outcome)).toBe('HTTP/1.1 200 OK');
  }, 20_000);
});
