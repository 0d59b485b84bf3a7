/**
 * Long-running upstream programs started by live tests: each logs to a file, is stopped with
 * the test, and dies with the test process even when that is killed (parent-death signal).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** `setpriv --pdeathsig` (util-linux) makes the kernel kill a child whose parent dies first. */
const SETPRIV = spawnSync('setpriv', ['--help'], { stdio: 'ignore' }).status === 0;

export interface Daemon {
  readonly name: string;
  readonly log: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
  logText(): string;
  stop(): Promise<void>;
}

export function startDaemon(name: string, binary: string, args: readonly string[], options: { log: string; env?: NodeJS.ProcessEnv; cwd?: string }): Daemon {
  const fd = openSync(options.log, 'a');
  const [command, argv] = SETPRIV ? ['setpriv', ['--pdeathsig', 'KILL', '--', binary, ...args]] : [binary, [...args]];
  const child = spawn(command, argv, { stdio: ['pipe', fd, fd], env: options.env ?? process.env, cwd: options.cwd });
  closeSync(fd);
  running.add(child);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    running.delete(child);
    resolve(code);
  }));
  return {
    name,
    log: options.log,
    child,
    exited,
    logText: () => readFileSync(options.log, 'utf8'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A TCP port free on the address at the time of asking. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value (not undefined), or throws with `what` and the last error after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(intervalMs);
  }
}
