import { FakeIngest } from './fake-ingest';
import { startSidecar, tempSpoolDir, type RunningSidecar } from './sidecar-harness';

/** /health (terminus) and /metrics (prom-client) on the sidecar's HTTP port. */
describe('health and metrics', () => {
  let ingest: FakeIngest;
  let sidecar: RunningSidecar;
  let spool: Awaited<ReturnType<typeof tempSpoolDir>>;

  const get = async (url: string) => {
    const response = await sidecar.app.inject({ method: 'GET', url });
    return { status: response.statusCode, body: response.body, json: () => JSON.parse(response.body) as Record<string, unknown>, type: response.headers['content-type'] };
  };

  beforeAll(async () => {
    ingest = await FakeIngest.start();
    spool = await tempSpoolDir();
    sidecar = await startSidecar({ INGEST_URL: ingest.url, TAPES_DATA_DIR: spool.dataDir });
    await sidecar.app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await sidecar.close();
    await ingest.close();
    await spool.remove();
  });

  it('reports up when the gRPC server listens, ingest answers /ping and the journal is writable', async () => {
    const pingsBefore = ingest.pings;
    const health = await get('/health');
    expect(health.status).toBe(200);
    expect(health.json()).toMatchObject({
      status: 'ok',
      info: { grpc: { status: 'up', port: sidecar.grpcPort }, ingest: { status: 'up' }, journal: { status: 'up', depth: 0, bytes: 0 } },
    });
    expect(ingest.pings).toBe(pingsBefore + 1);
  });

  it('reports ingest down on /health (503) while /health/live, which probes use, stays up', async () => {
    await ingest.goAway();
    try {
      const health = await get('/health');
      expect(health.status).toBe(503);
      expect(health.json()).toMatchObject({ status: 'error', error: { ingest: { status: 'down' } }, info: { grpc: { status: 'up' }, journal: { status: 'up' } } });
      const live = await get('/health/live');
      expect(live.status).toBe(200);
      expect(live.json()).toMatchObject({ status: 'ok', info: { grpc: { status: 'up' }, journal: { status: 'up' } } });
      expect(live.json()).not.toHaveProperty('info.ingest');
    } finally {
      await ingest.comeBack();
    }
  });

  it('declares the tapes_extproc_* metrics, build info and default process metrics', async () => {
    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.type).toMatch(/^text\/plain/);
    for (const name of [
      'tapes_extproc_build_info',
      'tapes_extproc_turns_captured_total',
      'tapes_extproc_turns_delivered_total',
      'tapes_extproc_turns_backlogged_total',
      'tapes_extproc_turns_dropped_total',
      'tapes_extproc_exchanges_total',
      'tapes_extproc_delivery_attempts_total',
      'tapes_extproc_delivery_latency_seconds',
      'tapes_extproc_capture_bytes',
      'tapes_extproc_inflight_exchanges',
      'tapes_extproc_capture_budget_bytes',
      'tapes_extproc_spool_depth',
      'tapes_extproc_spool_bytes',
      'tapes_extproc_journal_up',
      'process_resident_memory_bytes',
    ]) {
      expect(metrics.body).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
    expect(metrics.body).toMatch(/tapes_extproc_build_info\{version="[^"]+"/);
    expect(metrics.body).toMatch(/^tapes_extproc_journal_up(\{[^}]*\})? 1$/m);
  });
});
