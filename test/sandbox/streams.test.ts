/**
 * The sandbox's streams, read through our StudioClient: state, position, lag and throughput moving
 * with the sandbox clock, per-table state of a CDC pipeline, and the injectable faults (a stream
 * that dies, lag that grows, one table that fails, a PostgreSQL slot that is dropped).
 */
import { describe, expect, it } from 'vitest';
import { StudioError } from '../../src/studio/errors.js';
import { useSandboxHarness } from '../helpers/sandbox.js';

const h = useSandboxHarness();

const task = (name: string) => h.client.getTask(h.sb.store.taskByName(name)!.id);

describe('sandbox streams', () => {
  it('lists the demo’s streams with state, lag, throughput and position, and moves them with the clock', async () => {
    const page = await h.client.listStreams();
    const names = page.items.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['rt_sync_kafka_orders', 'cdc_mysql_shop']));
    const kafka = page.items.find((s) => s.name === 'rt_sync_kafka_orders')!;
    expect(kafka).toMatchObject({ state: { code: 2, label: 'RUNNING' }, kind: { key: 'REALTIME' }, source: 'kafka' });
    expect(kafka.position?.partitions).toHaveLength(3);
    expect(kafka.throughput).toBeGreaterThan(0);
    const cdc = await h.client.getStream(h.client.streamIdOf(await task('cdc_mysql_shop'))!);
    expect(cdc.position?.binlogFile).toMatch(/^mysql-bin\.\d{6}$/);
    const before = cdc.position!.binlogPosition! + Number(cdc.position!.binlogFile!.slice(-6)) * 1_000_000;
    h.clock.advance(60_000);
    const later = await h.client.getStream(cdc.streamId);
    expect(later.position!.binlogPosition! + Number(later.position!.binlogFile!.slice(-6)) * 1_000_000).toBeGreaterThan(before);
    // Its tables: one still in its full sync, which turns incremental when the snapshot ends.
    const tables = (await h.client.listStreamTables(cdc.taskId)).items;
    expect(tables.map((t) => t.state.label)).toEqual(['INCREMENTAL', 'INCREMENTAL', 'INCREMENTAL', 'FULL_SYNC']);
    h.clock.advance(10 * 60_000);
    expect((await h.client.listStreamTables(cdc.taskId)).items.every((t) => t.state.label === 'INCREMENTAL')).toBe(true);
  });

  it('a stream that dies: FAILED with its error, no throughput, falling behind; restarted from its position it starts, runs and catches up', async () => {
    const t = await task('rt_sync_kafka_orders');
    h.sb.streams.kill(t.id, 'org.apache.kafka.common.errors.TimeoutException: Timeout expired while fetching topic metadata');
    h.clock.advance(5 * 60_000);
    const dead = await h.client.getStream(t.id);
    expect(dead).toMatchObject({ state: { label: 'FAILED' }, throughput: 0, lastError: expect.stringContaining('TimeoutException') });
    expect(dead.lagMs).toBeGreaterThan(5 * 60_000);
    await h.client.startStream(t, { startupMode: 1 });
    expect((await h.client.getStream(t.id)).state.label).toBe('STARTING');
    h.clock.advance(30_000);
    const running = await h.client.getStream(t.id);
    expect(running.state.label).toBe('RUNNING');
    expect(running.lastError).toBeUndefined();
    h.clock.advance(10 * 60_000);
    expect((await h.client.getStream(t.id)).lagMs).toBeLessThan(30_000);
    // Starting a running stream is refused by Studio.
    await expect(h.client.startStream(t, { startupMode: 1 })).rejects.toBeInstanceOf(StudioError);
  });

  it('lag that grows: the lag rises with the clock while throughput drops; cleared, it catches up', async () => {
    const t = await task('rt_sync_kafka_orders');
    const base = (await h.client.getStream(t.id)).throughput!;
    h.sb.streams.growLag(t.id, 500);
    h.clock.advance(10 * 60_000);
    const a = await h.client.getStream(t.id);
    h.clock.advance(10 * 60_000);
    const b = await h.client.getStream(t.id);
    expect(b.lagMs!).toBeGreaterThan(a.lagMs! + 250_000);
    expect(b.throughput!).toBeLessThan(base * 0.5);
    h.sb.streams.growLag(t.id, 0);
    h.clock.advance(15 * 60_000);
    expect((await h.client.getStream(t.id)).lagMs!).toBeLessThan(b.lagMs! / 10);
  });

  it('one table of a pipeline fails: the others go on; resync brings it back through a full sync', async () => {
    const t = await task('cdc_mysql_shop');
    h.sb.streams.failTable(t.id, 'order_items', "Data truncation: Data too long for column 'note' at row 1");
    const tables = (await h.client.listStreamTables(t.id)).items;
    const failed = tables.find((x) => x.table === 'order_items')!;
    expect(failed).toMatchObject({ state: { label: 'FAILED' }, error: expect.stringContaining('Data too long') });
    expect((await h.client.getStream(t.cdcTaskId!)).state.label).toBe('RUNNING');
    await h.client.streamTableOp(t.id, 'resync', [failed.id]);
    expect((await h.client.listStreamTables(t.id)).items.find((x) => x.id === failed.id)!.state.label).toBe('FULL_SYNC');
    await expect(h.client.streamTableOp(t.id, 'pause', [999_999])).rejects.toBeInstanceOf(StudioError);
  });

  it('a dropped PostgreSQL slot: the slot list no longer has it and the stream reading it fails', async () => {
    const t = await task('cdc_mysql_shop');
    h.sb.streams.usePostgres(t.id);
    const pg = h.sb.store
      .dataSources()
      .filter((d) => d.ds_type === 7)
      .map((d) => d.id);
    expect((await h.client.listReplicationSlots(pg)).find((s) => s.name === 'cz_cdc_slot')?.active).toBe(true);
    h.sb.streams.dropSlot(pg[0]!, 'cz_cdc_slot');
    expect(await h.client.listReplicationSlots(pg)).toEqual([]);
    const s = await h.client.getStream(t.cdcTaskId!);
    expect(s).toMatchObject({ state: { label: 'FAILED' }, lastError: expect.stringContaining('replication slot "cz_cdc_slot" does not exist') });
    expect(s.position?.lsn).toMatch(/^0\/[0-9A-F]+$/);
  });
});

describe('stream faults over HTTP', () => {
  it('POST /__sandbox/streams kills a stream by name; a wrong fault or a missing admin header is refused', async () => {
    const post = (body: unknown, admin = true) =>
      fetch(`${h.sb.url}/__sandbox/streams`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(admin ? { 'x-sandbox-admin': h.sb.accessToken } : {}) },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { code: unknown } }));
    expect((await post({ fault: 'kill', task: 'rt_sync_kafka_orders' }, false)).status).toBe(401);
    expect((await post({ fault: 'nope', task: 'rt_sync_kafka_orders' })).body.code).toBe('PARAM_ERROR');
    expect((await post({ fault: 'kill', task: 'rt_sync_kafka_orders', message: 'killed over HTTP' })).body.code).toBe(0);
    expect(await h.client.getStream(h.sb.store.taskByName('rt_sync_kafka_orders')!.id)).toMatchObject({ state: { label: 'FAILED' }, lastError: 'killed over HTTP' });
  });
});
