import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SESSION_PERSISTED_NAME as S } from '../../machines/session.events.js';
import { sessionStream } from '../../projections/testing/given-when-then.js';
import { createMetrics, type MetricsSources } from './metrics.js';

const T0 = 1_700_000_000_000;

const pool = (byState: Record<string, number>, measured = 100): ReturnType<NonNullable<MetricsSources['pool']>> => ({
  target: 3,
  cap: 10,
  processes: { live: 3, warm: 1, inUse: 2 },
  sessions: { total: 5, hibernated: 2, byState },
  memory: { budgetBytes: 1000, measuredBytes: measured },
});

describe('metrics', () => {
  it('exposes the documented metric names, read from their sources at scrape time', async () => {
    let measured = 100;
    const metrics = createMetrics(
      {
        pool: () => pool({ idle: 2, hibernated: 2, busy: 1 }, measured),
        websocket: () => ({ connections: { open: 4, closed: 7, refused: 1 } }),
        recovery: () => ({ breakers: { 'agent-spawn': { state: 'open' } } }),
      },
      { defaultMetrics: false },
    );
    metrics.observeResponse('GET', '/api/v1/health', 200, 0.002);
    metrics.recordWebSocketDrop('slow_consumer');
    const { body, contentType } = await metrics.render();
    expect(contentType).toContain('text/plain');
    for (const line of [
      'aicli_session_pool_size{type="active"} 2',
      'aicli_session_pool_size{type="hibernated"} 2',
      'aicli_sessions{state="busy"} 1',
      'aicli_websocket_connections{state="connected"} 4',
      'aicli_websocket_dropped_total{reason="slow_consumer"} 1',
      'aicli_circuit_breaker_state{breaker="agent-spawn",state="open"} 1',
      'aicli_circuit_breaker_state{breaker="agent-spawn",state="closed"} 0',
      'aicli_memory_pool_utilization 0.1',
      'aicli_response_latency_histogram_bucket{le="0.0025",method="GET",route="/api/v1/health",status="200"} 1',
    ]) {
      expect(body).toContain(line);
    }
    measured = 500;
    expect((await metrics.render()).body).toContain('aicli_memory_pool_utilization 0.5');
  });

  it('has every counter with bounded labels at 0 from the first scrape (so Prometheus sees the step to the first event)', async () => {
    const { body } = await createMetrics({}, { defaultMetrics: false, breakers: ['agent-spawn'] }).render();
    for (const line of [
      'aicli_agent_faults_total{kind="crash"} 0',
      'aicli_agent_faults_total{kind="hang"} 0',
      'aicli_agent_faults_total{kind="exit"} 0',
      'aicli_error_recovery_total{outcome="started"} 0',
      'aicli_error_recovery_total{outcome="succeeded"} 0',
      'aicli_error_recovery_total{outcome="failed"} 0',
      'aicli_turns_total{outcome="aborted"} 0',
      'aicli_websocket_dropped_total{reason="slow_consumer"} 0',
      'aicli_websocket_dropped_total{reason="pong_timeout"} 0',
      'aicli_circuit_breaker_transitions_total{breaker="agent-spawn",from="closed",to="open"} 0',
      'aicli_circuit_breaker_probes_total{breaker="agent-spawn",outcome="started"} 0',
      'aicli_circuit_breaker_state{breaker="agent-spawn",state="closed"} 1',
    ]) {
      expect(body).toContain(line);
    }
    // No recovery attempt finished: no data (prom-client writes NaN as `Nan`), not a perfect score.
    expect(body).toMatch(/^aicli_error_recovery_success_rate nan$/im);
  });

  it('counts stored events as they come, once each; a recovery that ends straight in busy succeeded', async () => {
    const metrics = createMetrics({}, { defaultMetrics: false });
    const s = sessionStream('s1');
    for (const event of [
      s.next(S.AGENT_FAULT, { at: T0 + 1, fault: 'crash' }, 'busy', 'recovering'),
      s.next(S.RECOVERY_SUCCEEDED, { at: T0 + 2 }, 'recovering', 'busy'),
      s.next(S.AGENT_FAULT, { at: T0 + 3, fault: 'garbage' }, 'busy', 'recovering'),
      s.next(S.RECOVERY_FAILED, { at: T0 + 4 }, 'recovering', 'recovering'),
      s.next(S.RECOVERY_FAILED, { at: T0 + 5 }, 'recovering', 'failed'),
    ]) {
      metrics.countEvent(event);
    }
    await metrics.render();
    const { body } = await metrics.render();
    for (const line of [
      'aicli_agent_faults_total{kind="crash"} 1',
      'aicli_agent_faults_total{kind="garbage"} 1',
      'aicli_error_recovery_total{outcome="started"} 2',
      'aicli_error_recovery_total{outcome="succeeded"} 1',
      'aicli_error_recovery_total{outcome="failed"} 1',
      'aicli_error_recovery_success_rate 0.5',
    ]) {
      expect(body).toContain(line);
    }
  });

  it('reports 0 for a session state whose count fell to 0, and every state', async () => {
    let byState: Record<string, number> = { busy: 1 };
    const metrics = createMetrics({ pool: () => pool(byState) }, { defaultMetrics: false });
    expect((await metrics.render()).body).toContain('aicli_sessions{state="busy"} 1');
    byState = {};
    const { body } = await metrics.render();
    expect(body).toContain('aicli_sessions{state="busy"} 0');
    expect(body).toContain('aicli_sessions{state="recovering"} 0');
  });
});

const promtool = spawnSync('promtool', ['--version']).status === 0;

describe('promtool check metrics', () => {
  it.skipIf(!promtool)('warns only about the product name aicli_response_latency_histogram (kept: dashboards and alerts use it)', async () => {
    const metrics = createMetrics({ pool: () => pool({ busy: 1 }) }, { breakers: ['agent-spawn'] });
    metrics.observeResponse('GET', '/api/v1/health', 200, 0.002);
    const run = spawnSync('promtool', ['check', 'metrics'], { input: (await metrics.render()).body, encoding: 'utf8' });
    expect(`${run.stdout}${run.stderr}`.trim().split('\n')).toEqual(["aicli_response_latency_histogram metric name should not include type 'histogram'"]);
  });

  it('counts webhook attempts and abandoned deliveries by endpoint id, and times the attempts', async () => {
    const metrics = createMetrics({}, { defaultMetrics: false });
    metrics.recordWebhookDelivery('team', 'failed', 0.2);
    metrics.recordWebhookDelivery('team', 'delivered', 0.03);
    metrics.recordWebhookDelivery('team', 'abandoned', null);
    const { body } = await metrics.render();
    for (const line of [
      'aicli_webhook_deliveries_total{endpoint="team",outcome="failed"} 1',
      'aicli_webhook_deliveries_total{endpoint="team",outcome="delivered"} 1',
      'aicli_webhook_deliveries_total{endpoint="team",outcome="abandoned"} 1',
      'aicli_webhook_delivery_seconds_bucket{le="0.05",endpoint="team"} 1',
      'aicli_webhook_delivery_seconds_count{endpoint="team"} 2',
    ]) {
      expect(body).toContain(line);
    }
  });
});
