/**
 * A throwaway Prometheus for the dashboard proof: installed from Debian's `prometheus` package when missing, run on
 * loopback with its own temporary directory (config and TSDB), scraping one target every second; queried through
 * its HTTP API. Nothing leaves the machine.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One series of an instant query's answer. */
export interface Sample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value?: readonly [number, string];
  readonly values?: readonly (readonly [number, string])[];
}

/** What `/api/v1/query` answered. */
export type QueryAnswer = { readonly ok: true; readonly resultType: string; readonly result: readonly Sample[] } | { readonly ok: false; readonly error: string };

/** A running Prometheus. */
export interface Prometheus {
  readonly url: string;
  /** An instant query at `time` (seconds since the epoch; default now). */
  query(expr: string, time?: number): Promise<QueryAnswer>;
  stop(): Promise<void>;
}

const has = (command: string): boolean => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

/** Installs Debian's `prometheus` (which brings `promtool`) with apt-get when either is missing. */
export function ensurePrometheus(log: (line: string) => void): void {
  if (has('prometheus') && has('promtool')) return;
  log('installing Debian package prometheus (apt-get install -y prometheus) ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // The package's maintainer scripts may try to start its service; there is none to start in a container, and the
  // proof runs its own instance anyway.
  let run = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'prometheus'], { env, encoding: 'utf8' });
  if (run.status !== 0) {
    spawnSync('apt-get', ['update'], { env, stdio: 'ignore' });
    run = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'prometheus'], { env, encoding: 'utf8' });
  }
  if (!has('prometheus') || !has('promtool')) throw new Error(`could not install prometheus:\n${run.stdout}${run.stderr}`);
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

/** Starts Prometheus scraping `target` (`host:port`, path `/metrics`) every second; resolves once it is ready. */
export async function startPrometheus(target: string): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'aicli-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  // JSON is YAML.
  writeFileSync(
    config,
    JSON.stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      scrape_configs: [{ job_name: 'aicli', metrics_path: '/metrics', static_configs: [{ targets: [target] }] }],
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'close');
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${stderr}`);
    const ready = await fetch(`${url}/-/ready`).then((response) => response.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`prometheus not ready within 20 s:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    async query(expr, time) {
      const params = new URLSearchParams({ query: expr, ...(time === undefined ? {} : { time: String(time) }) });
      const response = await fetch(`${url}/api/v1/query?${params.toString()}`);
      const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: Sample[] } };
      if (body.status !== 'success' || body.data === undefined) return { ok: false, error: body.error ?? `HTTP ${response.status}` };
      return { ok: true, resultType: body.data.resultType, result: body.data.result };
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
