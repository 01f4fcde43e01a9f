import type { DynamicSpec, LhColumn, LhTable, LakehouseModel } from './model.js';

/**
 * The demo workspace's Lakehouse: the e-commerce pipeline's ODS and DWD tables (the DWD table's
 * partitions with row counts; yesterday's is empty although its run succeeded), Dynamic Tables
 * over DWD (one refreshing fine, one failing on a full VCluster queue until refreshed by hand, one
 * suspended after repeated failures), the legacy schemas, and `extraDynamicTables` healthy ones
 * for the benchmark.
 */
export function seedLakehouse(lh: LakehouseModel, now: number, opts: { extraDynamicTables?: number } = {}): void {
  const day = 86_400_000;
  const created = now - 3 * day;
  const date = (offset: number) => new Date(now - offset * day).toISOString().slice(0, 10);
  const orderCols: LhColumn[] = [
    { name: 'order_id', type: 'bigint' },
    { name: 'user_id', type: 'bigint' },
    { name: 'is_paid', type: 'tinyint', comment: 'MySQL BIT(1)' },
    { name: 'amount', type: 'decimal(18,2)' },
    { name: 'status', type: 'string' },
    { name: 'created_at', type: 'timestamp' },
  ];
  // The MySQL source of 00_sync_mysql_to_ods has gained coupon_code, which ODS does not carry yet (issue 34's example).
  lh.sourceColumns.set('mysql_shop:shop.orders', [...orderCols.map((c) => c.name), 'coupon_code']);
  // A source table no sync reads yet (the "Add sync table" flow's example).
  lh.sourceColumns.set('mysql_shop:shop.order_items', ['item_id', 'order_id', 'product_id', 'quantity', 'price']);
  const partitions: Record<string, number> = {};
  for (let d = 7; d >= 2; d--) partitions[date(d)] = 11_800 + ((d * 379) % 900);
  partitions[date(1)] = 0; // yesterday's run succeeded and wrote nothing
  lh.tables.push(
    { schema: 'ecommerce_ods', name: 'orders', kind: 'MANAGED_TABLE', columns: orderCols, rows: { '': 84_211 }, bytesPerRow: 61, createdAt: created },
    {
      schema: 'ecommerce_dwd',
      name: 'orders_detail',
      kind: 'MANAGED_TABLE',
      columns: [...orderCols.map((c) => (c.name === 'is_paid' ? { name: 'is_paid', type: 'boolean' } : c)), { name: 'dt', type: 'string', comment: 'business date' }],
      partitionedBy: 'dt',
      rows: partitions,
      bytesPerRow: 58,
      createdAt: created,
    },
    {
      schema: 'legacy_ods',
      name: 'orders',
      kind: 'MANAGED_TABLE',
      columns: [
        { name: 'order_id', type: 'bigint' },
        { name: 'amount', type: 'double' },
        { name: 'created_at', type: 'timestamp' },
      ],
      rows: { '': 1_204_337 },
      bytesPerRow: 40,
      createdAt: created - 200 * day,
    },
    {
      schema: 'legacy_dwd',
      name: 'orders',
      kind: 'MANAGED_TABLE',
      columns: [
        { name: 'order_id', type: 'bigint' },
        { name: 'amount', type: 'double' },
        { name: 'created_at', type: 'timestamp' },
      ],
      rows: { '': 1_198_020 },
      bytesPerRow: 40,
      createdAt: created - 200 * day,
    },
    {
      schema: 'legacy_dws',
      name: 'sales_summary',
      kind: 'MANAGED_TABLE',
      columns: [
        { name: 'dt', type: 'string' },
        { name: 'gmv', type: 'double' },
      ],
      rows: { '': 730 },
      bytesPerRow: 24,
      createdAt: created - 200 * day,
    },
  );
  const dt = (schema: string, name: string, columns: LhColumn[], spec: Partial<DynamicSpec> = {}): LhTable => {
    const t: LhTable = {
      schema,
      name,
      kind: 'DYNAMIC_TABLE',
      columns,
      rows: { '': 0 },
      bytesPerRow: 32,
      createdAt: created,
      dynamic: { intervalMinutes: 60, vcluster: 'default', sources: ['ecommerce_dwd.orders_detail'], state: 'RUNNING', ...spec },
    };
    lh.tables.push(t);
    return t;
  };
  dt('ecommerce_dws', 'sales_daily', [
    { name: 'dt', type: 'string' },
    { name: 'orders', type: 'bigint' },
    { name: 'gmv', type: 'decimal(38,2)' },
    { name: 'buyers', type: 'bigint' },
  ]);
  const retention = dt('ecommerce_dws', 'user_retention', [
    { name: 'cohort_dt', type: 'string' },
    { name: 'day_n', type: 'int' },
    { name: 'users', type: 'bigint' },
  ]);
  const top = dt(
    'ecommerce_ads',
    'top_products',
    [
      { name: 'dt', type: 'string' },
      { name: 'product_id', type: 'bigint' },
      { name: 'gmv', type: 'decimal(38,2)' },
    ],
    { intervalMinutes: 30 },
  );
  for (let i = 0; i < (opts.extraDynamicTables ?? 0); i++)
    dt(
      'bench_dws',
      `metric_${String(i).padStart(3, '0')}`,
      [
        { name: 'dt', type: 'string' },
        { name: 'value', type: 'double' },
      ],
      { intervalMinutes: 60 },
    );
  // Healthy history up to three hours ago; then the retention table fails on a full queue, and
  // the top-products table, failing on a dropped source, was suspended.
  lh.advance(now - 3 * 3_600_000);
  retention.dynamic!.failing = {
    code: 'CZLH-60015',
    message: "virtual cluster 'default' queue is full (128 queued jobs, limit 128); the refresh was rejected",
    clearsOnManualRefresh: true,
  };
  top.dynamic!.failing = { code: 'CZLH-42000', message: 'Table or view not found: ecommerce_dwd.refunds_detail', clearsOnManualRefresh: false };
  lh.advance(now - 2 * 3_600_000);
  lh.suspend(top, 'auto-suspended after 5 consecutive refresh failures', now - 2 * 3_600_000 + 60_000);
  lh.advance(now);
}
