/**
 * Runs `aicli-api` from the TypeScript sources as a child process, waits for its startup log line and reads
 * the port from it. Used by tests that need real signals and exit codes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** A running server process and what it has printed so far. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Spawns `node --import tsx src/cli/main.ts ...args`. Unless `env` names `AICLI__AGENT__DATA_DIR`, the process gets
 * a temporary data directory of its own (removed when it exits): a server locks its data directory, so two tests
 * must not share the default one.
 */
export function runCli(args: readonly string[], env: Record<string, string> = {}): { child: ChildProcess; output: () => { stdout: string; stderr: string }; exited: Promise<number | null> } {
  const ownDataDir = env.AICLI__AGENT__DATA_DIR === undefined ? mkdtempSync(join(tmpdir(), 'aicli-server-')) : undefined;
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...(ownDataDir === undefined ? {} : { AICLI__AGENT__DATA_DIR: ownDataDir }), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // 'close' rather than 'exit': it fires after stdout and stderr are drained, so no output is missed.
  const exited = once(child, 'close').then(([code]) => {
    if (ownDataDir !== undefined) rmSync(ownDataDir, { recursive: true, force: true });
    return code as number | null;
  });
  return { child, output: () => ({ stdout, stderr }), exited };
}

/**
 * Starts the server and waits until it logs that it is listening. Agents are the fake claude (unless the test
 * sets `agent.command` itself) with their data in a temporary directory, so a test never starts the real CLI.
 * Auth is off (loopback, callers name themselves) unless the test says anything about `auth.` in its arguments or
 * `AICLI__AUTH__` variables: these tests are about serving, restarts and shutdown; test/server/first-start.test.ts
 * covers the default (auth on with generated credentials).
 */
export async function startServerProcess(args: readonly string[] = [], env: Record<string, string> = {}): Promise<ServerProcess> {
  const agent = args.some((arg) => arg.includes('agent.command') || arg.startsWith('--agent')) ? [] : ['--agent=fake'];
  const saysAuth = args.some((arg) => arg.includes('auth.')) || Object.keys(env).some((name) => name.startsWith('AICLI__AUTH__'));
  const auth = saysAuth ? [] : ['--set', 'auth.enabled=false'];
  const run = runCli(['--port', '0', '--store', 'memory:', ...agent, ...auth, ...args], env);
  const port = await new Promise<number>((resolve, reject) => {
    const onData = () => {
      const match = /"port":(\d+)/.exec(run.output().stdout);
      if (match) {
        run.child.stdout!.off('data', onData);
        resolve(Number(match[1]));
      }
    };
    run.child.stdout!.on('data', onData);
    void run.exited.then((code) => reject(new Error(`server exited with ${code} before listening:\n${run.output().stderr}${run.output().stdout}`)));
  });
  return {
    child: run.child,
    port,
    url: `http://127.0.0.1:${port}`,
    stdout: () => run.output().stdout,
    stderr: () => run.output().stderr,
    stop: async (signal = 'SIGTERM') => {
      if (run.child.exitCode === null) run.child.kill(signal);
      return run.exited;
    },
  };
}
