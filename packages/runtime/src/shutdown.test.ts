import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { onShutdown, type SignalSource } from './index.js';

function setup(handler: () => Promise<void>, timeoutMs = 1000): { emitter: EventEmitter; exits: Promise<number>; calls: () => number } {
  const emitter = new EventEmitter();
  let calls = 0;
  let resolveExit: (code: number) => void = () => undefined;
  const exits = new Promise<number>((r) => (resolveExit = r));
  onShutdown(
    async () => {
      calls += 1;
      await handler();
    },
    { timeoutMs, exit: (code) => resolveExit(code), processLike: emitter as unknown as SignalSource },
  );
  return { emitter, exits, calls: () => calls };
}

describe('onShutdown', () => {
  it('exits 0 after the handler finishes, running it once', async () => {
    const s = setup(() => new Promise((r) => setTimeout(r, 20)));
    s.emitter.emit('SIGTERM');
    s.emitter.emit('SIGINT');
    expect(await s.exits).toBe(0);
    expect(s.calls()).toBe(1);
  });

  it('exits 1 when the handler fails', async () => {
    const s = setup(() => Promise.reject(new Error('boom')));
    s.emitter.emit('SIGINT');
    expect(await s.exits).toBe(1);
  });

  it('exits 1 after the hard timeout when the handler hangs', async () => {
    const s = setup(() => new Promise(() => undefined), 50);
    s.emitter.emit('SIGTERM');
    expect(await s.exits).toBe(1);
  });
});
