import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createHttpServer } from '../../src/server/http-server.js';
import { healthRoutes } from '../../src/server/routes/health.js';
import { testConfig } from '../support/config.js';

const dir = mkdtempSync(join(tmpdir(), 'aicli-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function selfSignedCertificate(): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key };
}

describe('TLS', () => {
  it('serves HTTPS with the configured certificate', async () => {
    const { cert, key } = selfSignedCertificate();
    const config = testConfig({ 'server.tls.enabled': true, 'server.tls.cert_file': cert, 'server.tls.key_file': key });
    const server = createHttpServer(config, healthRoutes({ version: '1', profile: 'basic', startedAt: new Date(), probes: [] }), pino({ level: 'silent' }));
    const address = (await server.listen())._unsafeUnwrap();
    expect(address.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const { status, body, protocol } = await new Promise<{ status: number; body: string; protocol: string }>((resolve, reject) => {
      get(`${address.url}/api/v1/health`, { rejectUnauthorized: false }, (res) => {
        let body = '';
        const protocol = (res.socket as import('node:tls').TLSSocket).getProtocol() ?? '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, protocol }));
      }).on('error', reject);
    });
    expect(status).toBe(200);
    expect(JSON.parse(body)).toMatchObject({ status: 'ok' });
    expect(protocol).toBe('TLSv1.3');
    await server.close();
  });
});
