/**
 * What the sandbox's external data sources hold, as Studio's data source browser lists it
 * (cz-cli `datasource catalogs|objects|describe`: projectDataSources/listNamespaces,
 * listDataObjects, getDataObjectMeta). The demo's MySQL source has a realistic catalogue — the
 * shop's own tables and a few business areas' worth of others, 165 in all — built from areas and
 * entities rather than listed by hand; its `orders` has the columns the wizard's transform reads.
 */
export interface SourceColumn {
  name: string;
  /** Studio's generic type (LONG, STRING, DECIMAL, …). */
  type: string;
  /** The source database's own type, e.g. `tinyint(1)`. */
  physicalType: string;
  nullable: boolean;
  primary: boolean;
}

export interface SourceTable {
  name: string;
  columns: SourceColumn[];
}

const col = (name: string, physicalType: string, primary = false): SourceColumn => ({
  name,
  physicalType,
  type: /^(bigint|int|integer|smallint|tinyint\(\d+\)|tinyint|bit)/i.test(physicalType)
    ? 'LONG'
    : /^(decimal|numeric|money)/i.test(physicalType)
      ? 'DECIMAL'
      : /^(datetime|timestamp|date)/i.test(physicalType)
        ? 'TIMESTAMP'
        : 'STRING',
  nullable: !primary,
  primary,
});

/** The MySQL shop's own tables (the wizard's standard transform reads `orders`). */
const MYSQL_SHOP_CORE: SourceTable[] = [
  {
    name: 'orders',
    columns: [
      col('order_id', 'bigint(20)', true),
      col('user_id', 'bigint(20)'),
      col('is_paid', 'tinyint(1)'),
      col('amount', 'decimal(18,2)'),
      col('status', "enum('created','paid','shipped','cancelled')"),
      col('created_at', 'datetime'),
    ],
  },
  {
    name: 'customers',
    columns: [col('customer_id', 'bigint(20)', true), col('name', 'varchar(128)'), col('email', 'varchar(255)'), col('is_vip', 'bit(1)'), col('created_at', 'datetime')],
  },
  {
    name: 'order_items',
    columns: [col('item_id', 'bigint(20)', true), col('order_id', 'bigint(20)'), col('product_id', 'bigint(20)'), col('quantity', 'int(11)'), col('price', 'decimal(18,2)')],
  },
  {
    name: 'products',
    columns: [col('product_id', 'bigint(20)', true), col('sku', 'varchar(64)'), col('title', 'varchar(255)'), col('description', 'longtext'), col('price', 'decimal(18,2)')],
  },
  {
    name: 'payments',
    columns: [col('payment_id', 'bigint(20)', true), col('order_id', 'bigint(20)'), col('method', "enum('card','wallet','transfer')"), col('paid_at', 'datetime')],
  },
];

const AREAS = ['crm', 'erp', 'fin', 'hr', 'mkt', 'ops', 'pay', 'wms'];
const ENTITIES = [
  'account',
  'address',
  'audit_log',
  'balance',
  'campaign',
  'config',
  'contract',
  'coupon',
  'event',
  'invoice',
  'ledger',
  'member',
  'notice',
  'refund',
  'shipment',
  'snapshot',
  'task',
  'ticket',
  'voucher',
  'warehouse',
];
const MONEY = new Set(['balance', 'invoice', 'ledger', 'refund', 'voucher', 'coupon', 'contract']);

/** One business area's table for an entity: a key, a code, a status, money where it has any, times. */
function areaTable(area: string, entity: string): SourceTable {
  return {
    name: `${area}_${entity}`,
    columns: [
      col('id', 'bigint(20)', true),
      col(`${entity}_code`, 'varchar(64)'),
      col('status', 'tinyint(4)'),
      ...(MONEY.has(entity) ? [col('amount', 'decimal(18,2)')] : [col('remark', 'text')]),
      col('created_at', 'datetime'),
      col('updated_at', 'timestamp'),
    ],
  };
}

const SMALL: Record<number, Record<string, string[]>> = {
  7: { public: ['customers', 'contacts', 'deals', 'activities', 'pipelines', 'users', 'notes', 'tags'] },
  8: { dbo: ['GL_Entries', 'AP_Invoices', 'AR_Receipts', 'Vendors', 'Items', 'PurchaseOrders'] },
};

/** The namespaces (databases / schemas) of a data source and their tables; none for a type the sandbox does not browse. */
export function sourceCatalogue(ds: { name: string; ds_type: number }): Map<string, SourceTable[]> {
  const out = new Map<string, SourceTable[]>();
  if (ds.ds_type === 5) {
    out.set(
      'shop',
      [...MYSQL_SHOP_CORE, ...AREAS.flatMap((a) => ENTITIES.map((e) => areaTable(a, e)))].sort((x, y) => x.name.localeCompare(y.name)),
    );
    return out;
  }
  for (const [ns, names] of Object.entries(SMALL[ds.ds_type] ?? {})) {
    const pk = ds.ds_type === 8 ? 'Id' : 'id';
    out.set(
      ns,
      names.map((name) => ({
        name,
        columns: [col(pk, ds.ds_type === 8 ? 'int' : 'bigint', true), col('name', 'varchar(255)'), col('updated_at', ds.ds_type === 8 ? 'datetime2' : 'timestamptz')],
      })),
    );
  }
  return out;
}
