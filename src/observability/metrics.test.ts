import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

describe('metrics', () => {
  it('exposes the documented metric names, read from their sources at scrape time', async () => {
    let measured = 100;
    const metrics = createMetrics(
      {
        pool: () => ({
          target: 3,
          cap: 10,
          processes: { live: 3, warm: 1, inUse: 2 },
          sessions: { total: 5, hibernated: 2, byState: { idle: 2, hibernated: 2, busy: 1 } },
          memory: { budgetBytes: 1000, measuredBytes: measured },
        }),
        websocket: () => ({ connections: { open: 4, closed: 7, refused: 1 }, dropped: { slow_consumer: 2 } }),
        recovery: () => ({
          recoveries: { started: 3, succeeded: 2, failed: 1 },
          successRate: 2 / 3,
          faultsByKind: { crash: 2, stall: 1 },
          breakers: { 'agent-spawn': { state: 'open' } },
        }),
      },
      { defaultMetrics: false },
    );
    metrics.observeResponse('GET', '/api/v1/health', 200, 0.002);
    const { body, contentType } = await metrics.render();
    expect(contentType).toContain('text/plain');
    for (const line of [
      'aicli_session_pool_size{type="active"} 2',
      'aicli_session_pool_size{type="hibernated"} 2',
      'aicli_sessions{state="busy"} 1',
      'aicli_websocket_connections{state="connected"} 4',
      'aicli_websocket_dropped_total{reason="slow_consumer"} 2',
      'aicli_error_recovery_success_rate 0.6666666666666666',
      'aicli_error_recovery_total{outcome="failed"} 1',
      'aicli_agent_faults_total{kind="crash"} 2',
      'aicli_circuit_breaker_state{breaker="agent-spawn",state="open"} 1',
      'aicli_circuit_breaker_state{breaker="agent-spawn",state="closed"} 0',
      'aicli_memory_pool_utilization 0.1',
      'aicli_response_latency_histogram_bucket{le="0.0025",method="GET",route="/api/v1/health",status="200"} 1',
    ]) {
      expect(body).toContain(line);
    }
    measured = 500;
    expect((await metrics.render()).body).toContain('aicli_memory_pool_utilization 0.5');
    // Totals kept elsewhere are not double-counted across scrapes.
    expect((await metrics.render()).body).toContain('aicli_error_recovery_total{outcome="failed"} 1');
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
