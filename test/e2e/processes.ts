import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface RunningProcess {
  name: string;
  child: ChildProcess;
  output: string[];
  /** SIGTERM, and resolve with the exit code. */
  stop(): Promise<number | null>;
}

// A suite that fails while starting must not leave processes behind.
const started = new Set<ChildProcess>();
process.on('exit', () => started.forEach((c) => c.kill('SIGKILL')));

/** Starts `apps/<name>/dist/main.js` as a real process and waits until `ready` appears in its output. */
export async function startApp(name: string, env: NodeJS.ProcessEnv, ready: RegExp, timeoutMs = 20_000): Promise<RunningProcess> {
  const child = spawn(process.execPath, [`apps/${name}/dist/main.js`], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => started.delete(child));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready within ${timeoutMs} ms:\n${output.join('')}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      output.push(chunk.toString());
      if (ready.test(output.join(''))) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready:\n${output.join('')}`));
    });
  });
  return {
    name,
    child,
    output,
    stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** `what` names the condition in the error; a function is read when the wait fails (e.g. a process's output by then). */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  what: string | (() => string) = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The environment of one isolated stack: its own database, queue prefix and ports, in sandbox mode. */
export async function stackEnv(
  dbUri: string,
  redisUrl: string,
  prefix: string,
  extra: NodeJS.ProcessEnv = {},
): Promise<{ env: NodeJS.ProcessEnv; sandboxUrl: string; consoleUrl: string; ingressUrl: string }> {
  const [ingressPort, consolePort, sandboxPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const env: NodeJS.ProcessEnv = {
    SANDBOX_MODE: 'true',
    MONGODB_URI: dbUri,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    HOST: '127.0.0.1',
    INGRESS_PORT: String(ingressPort),
    CONSOLE_PORT: String(consolePort),
    SANDBOX_PORT: String(sandboxPort),
    PUBLIC_BASE_URL: `http://127.0.0.1:${ingressPort}`,
    TICKET_INTERVAL_SECONDS: '0',
    LOG_LEVEL: 'info',
    ...extra,
  };
  return {
    env,
    sandboxUrl: `http://127.0.0.1:${sandboxPort}`,
    consoleUrl: `http://127.0.0.1:${consolePort}`,
    ingressUrl: `http://127.0.0.1:${ingressPort}`,
  };
}

/** The log line each process prints when it is ready. */
export const READY: Readonly<Record<string, RegExp>> = {
  'wechat-sandbox': /wechat-sandbox ready/,
  ingress: /Server listening/,
  console: /Server listening/,
  'worker-tickets': /worker-tickets ready/,
  'worker-authorization': /worker-authorization ready/,
  'worker-messages': /worker-messages ready/,
  'worker-tokens': /worker-tokens ready/,
};

/** Waits until the sandbox has issued a component access token (worker-tickets asks at start). */
export async function waitForComponentToken(sandboxUrl: string): Promise<void> {
  await waitFor(
    async () => {
      const calls = (await (await fetch(`${sandboxUrl}/sandbox/calls?api=api_component_token`)).json()) as { errcode: number }[];
      return calls.some((c) => c.errcode === 0) ? true : undefined;
    },
    15_000,
    'the component token',
  );
}
