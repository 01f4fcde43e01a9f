/**
 * Failures the sandbox can give a run: what Studio shows (failType, failMsg) and the log lines
 * the attempt ends with. Texts follow real Studio, Flink CDC, Lakehouse and Python output
 * (knowledge-sources.md); a few are in Chinese, as Studio prints them.
 */
import type { TaskKindKey } from '../studio/enums.js';

export interface FailureContext {
  taskName: string;
  bizDate: string;
  runId: number;
  /** Wall-clock timestamp prefix for the log lines. */
  stamp: string;
}

export interface FailureSpec {
  id: string;
  kinds: readonly TaskKindKey[];
  failType: string;
  /** Goes away on the next attempt (rerun or Studio's own retry). */
  transient: boolean;
  failMsg: (c: FailureContext) => string;
  log: (c: FailureContext) => string[];
}

const SQL: TaskKindKey[] = ['SQL'];
const CDC: TaskKindKey[] = ['MULTI_REALTIME', 'REALTIME', 'FULL_INCREMENTAL_SYNC'];
const DI: TaskKindKey[] = ['DI', 'MULTI_DI'];
const ANY: TaskKindKey[] = ['SQL', 'PYTHON', 'SHELL', 'DI', 'MULTI_DI', 'REALTIME', 'MULTI_REALTIME', 'DYNAMIC_TABLE', 'JDBC'];

const flinkFrames = [
  '\tat org.apache.flink.runtime.executiongraph.failover.flip1.ExecutionFailureHandler.handleFailure(ExecutionFailureHandler.java:138)',
  '\tat org.apache.flink.runtime.scheduler.DefaultScheduler.handleTaskFailure(DefaultScheduler.java:301)',
  '\tat org.apache.flink.runtime.scheduler.SchedulerBase.updateTaskExecutionState(SchedulerBase.java:741)',
  '\tat java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1136)',
  '\tat java.base/java.lang.Thread.run(Thread.java:833)',
];

const debeziumFrames = [
  '\tat io.debezium.connector.mysql.MySqlStreamingChangeEventSource.wrap(MySqlStreamingChangeEventSource.java:1146)',
  '\tat io.debezium.connector.mysql.MySqlStreamingChangeEventSource$ReaderThreadLifecycleListener.onCommunicationFailure(MySqlStreamingChangeEventSource.java:1185)',
  '\tat com.github.shyiko.mysql.binlog.BinaryLogClient.listenForEventPackets(BinaryLogClient.java:1079)',
  '\tat com.github.shyiko.mysql.binlog.BinaryLogClient.connect(BinaryLogClient.java:631)',
  '\tat com.github.shyiko.mysql.binlog.BinaryLogClient$7.run(BinaryLogClient.java:932)',
];

function err(c: FailureContext, line: string): string {
  return `${c.stamp} [ERROR] ${line}`;
}

export const FAILURES: readonly FailureSpec[] = [
  {
    id: 'binlog_purged',
    kinds: CDC,
    failType: 'RUNTIME_ERROR',
    transient: false,
    failMsg: () =>
      'The connector is trying to read binlog starting at SourceInfo [currentGtid=null, currentBinlogPosition=mysql-bin.000412:4137, currentRowNumber=0], but this is no longer available on the server. Reconfigure the connector to use a snapshot when needed.',
    log: (c) => [
      err(c, 'org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy'),
      ...flinkFrames,
      'Caused by: io.debezium.DebeziumException: The connector is trying to read binlog starting at SourceInfo [currentGtid=null, currentBinlogPosition=mysql-bin.000412:4137, currentRowNumber=0], but this is no longer available on the server. Reconfigure the connector to use a snapshot when needed.',
      '\tat io.debezium.connector.mysql.MySqlConnectorTask.validateBinlogConfiguration(MySqlConnectorTask.java:230)',
      '\tat com.ververica.cdc.connectors.mysql.debezium.task.context.StatefulTaskContext.configure(StatefulTaskContext.java:113)',
    ],
  },
  {
    id: 'server_id_conflict',
    kinds: CDC,
    failType: 'RUNTIME_ERROR',
    transient: false,
    failMsg: () =>
      "A slave with the same server_uuid/server_id as this slave has connected to the master; the first event 'mysql-bin.000398' at 4, the last event read from './mysql-bin.000398' at 126",
    log: (c) => [
      err(
        c,
        'com.ververica.cdc.connectors.shaded.org.apache.kafka.connect.errors.ConnectException: An exception occurred in the change event producer. This connector will be stopped.',
      ),
      '\tat io.debezium.pipeline.ErrorHandler.setProducerThrowable(ErrorHandler.java:50)',
      "Caused by: io.debezium.DebeziumException: A slave with the same server_uuid/server_id as this slave has connected to the master; the first event 'mysql-bin.000398' at 4, the last event read from './mysql-bin.000398' at 126, the last byte read from './mysql-bin.000398' at 126. Error code: 1236; SQLSTATE: HY000.",
      ...debeziumFrames,
      'Caused by: com.github.shyiko.mysql.binlog.network.ServerException: A slave with the same server_uuid/server_id as this slave has connected to the master',
    ],
  },
  {
    id: 'mysql_timezone_mismatch',
    kinds: CDC,
    failType: 'RUNTIME_ERROR',
    transient: false,
    failMsg: () => 'The MySQL server has a timezone offset (0 seconds ahead of UTC) which does not match the configured timezone Asia/Shanghai.',
    log: (c) => [
      err(
        c,
        'org.apache.flink.table.api.ValidationException: The MySQL server has a timezone offset (0 seconds ahead of UTC) which does not match the configured timezone Asia/Shanghai. Specify the right server-time-zone to avoid inconsistencies for time-related fields.',
      ),
      '\tat com.ververica.cdc.connectors.mysql.MySqlValidator.checkTimeZone(MySqlValidator.java:191)',
      '\tat com.ververica.cdc.connectors.mysql.MySqlValidator.validate(MySqlValidator.java:81)',
      ...flinkFrames.slice(0, 2),
    ],
  },
  {
    id: 'max_allowed_packet',
    kinds: CDC,
    failType: 'RUNTIME_ERROR',
    transient: false,
    failMsg: () => "log event entry exceeded max_allowed_packet; Increase max_allowed_packet on master; the first event 'mysql-bin.000511' at 88121",
    log: (c) => [
      err(
        c,
        "io.debezium.DebeziumException: log event entry exceeded max_allowed_packet; Increase max_allowed_packet on master; the first event 'mysql-bin.000511' at 88121, the last event read from './mysql-bin.000511' at 125, the last byte read from './mysql-bin.000511' at 88140. Error code: 1236; SQLSTATE: HY000.",
      ),
      ...debeziumFrames,
    ],
  },
  {
    id: 'event_header_v4',
    kinds: CDC,
    failType: 'RUNTIME_ERROR',
    transient: true,
    failMsg: () =>
      'Failed to deserialize data of EventHeaderV4{timestamp=1763601234000, eventType=EXT_UPDATE_ROWS, serverId=1001, headerLength=19, dataLength=8120, nextPosition=90211, flags=0}',
    log: (c) => [
      err(
        c,
        'io.debezium.DebeziumException: Failed to deserialize data of EventHeaderV4{timestamp=1763601234000, eventType=EXT_UPDATE_ROWS, serverId=1001, headerLength=19, dataLength=8120, nextPosition=90211, flags=0}',
      ),
      ...debeziumFrames.slice(0, 3),
      'Caused by: com.github.shyiko.mysql.binlog.event.deserialization.EventDataDeserializationException: Failed to deserialize data of EventHeaderV4{timestamp=1763601234000, eventType=EXT_UPDATE_ROWS}',
      'Caused by: java.net.SocketTimeoutException: Read timed out',
    ],
  },
  {
    id: 'encoded_key_size',
    kinds: [...CDC, 'MULTI_DI'],
    failType: 'RUNTIME_ERROR',
    transient: false,
    failMsg: () => 'CZLH-71006: Encoded key size 191 exceeds max size 128',
    log: (c) => [
      err(
        c,
        'com.clickzetta.ingestion.common.exception.IngestionException: CZLH-71006: Encoded key size 191 exceeds max size 128, table=ods.orders_detail, pk=(order_no, sku_code, warehouse_code)',
      ),
      '\tat com.clickzetta.ingestion.sink.PrimaryKeyEncoder.encode(PrimaryKeyEncoder.java:77)',
      '\tat com.clickzetta.ingestion.sink.IgsWriter.write(IgsWriter.java:214)',
    ],
  },
  {
    id: 'async_commit_rpc',
    kinds: CDC,
    failType: 'RUNTIME_ERROR',
    transient: true,
    failMsg: () => 'Async commit for instance 7345 failed. rpcProxy call hit final failed after max retry reached',
    log: (c) => [
      err(c, 'java.io.IOException: Async commit for instance 7345 failed. rpcProxy call hit final failed after max retry reached'),
      '\tat com.clickzetta.platform.client.RpcProxy.call(RpcProxy.java:312)',
      'Caused by: io.grpc.StatusRuntimeException: UNAVAILABLE: upstream connect error or disconnect/reset before headers',
    ],
  },
  {
    id: 'pg_slot_active',
    kinds: CDC,
    failType: 'RUNTIME_ERROR',
    transient: false,
    failMsg: () => 'ERROR: replication slot "cz_cdc_slot" is active for PID 41822',
    log: (c) => [
      err(
        c,
        'io.debezium.DebeziumException: Failed to start replication stream at LSN{0/1A2B3C4}; when setting up multiple connectors for the same database host, please make sure to use a distinct replication slot name for each.',
      ),
      'Caused by: org.postgresql.util.PSQLException: ERROR: replication slot "cz_cdc_slot" is active for PID 41822',
      '\tat org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2676)',
    ],
  },
  {
    id: 'kafka_json_parse',
    kinds: ['REALTIME'],
    failType: 'RUNTIME_ERROR',
    transient: false,
    failMsg: () => "JSON parsing failed for message at partition 3 offset 88213: Unexpected character ('<' (code 60))",
    log: (c) => [
      err(c, 'com.clickzetta.ingestion.kafka.JsonParseFailedException: JSON parsing failed for message at partition 3 offset 88213 (jsonPath $.data.order_id)'),
      "Caused by: com.fasterxml.jackson.core.JsonParseException: Unexpected character ('<' (code 60)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
      ' at [Source: (byte[])"<html><body>502 Bad Gateway</body></html>"; line: 1, column: 2]',
      '\tat com.fasterxml.jackson.core.JsonParser._constructError(JsonParser.java:2391)',
    ],
  },
  {
    id: 'bit_to_boolean',
    kinds: DI,
    failType: 'RUNTIME_ERROR',
    transient: false,
    failMsg: () => 'Column type mismatch: cannot convert source column `is_active` BIT(1) to target type BOOLEAN',
    log: (c) => [
      err(
        c,
        'com.clickzetta.di.common.DataXException: Code:[Framework-02], Description:[DataX引擎运行过程出错] - java.lang.IllegalArgumentException: Column type mismatch: cannot convert source column `is_active` BIT(1) to target type BOOLEAN',
      ),
      '\tat com.clickzetta.di.writer.LakehouseWriter$Task.convertColumn(LakehouseWriter.java:402)',
      '\tat com.clickzetta.di.core.taskgroup.runner.WriterRunner.run(WriterRunner.java:62)',
    ],
  },
  {
    id: 'no_columns',
    kinds: DI,
    failType: 'RUNTIME_ERROR',
    transient: false,
    failMsg: () => 'NO_COLUMNS: Cannot fetch columns for shop.order_items',
    log: (c) => [
      err(c, 'com.clickzetta.di.exception.MetaException: NO_COLUMNS: Cannot fetch columns for shop.order_items'),
      '\tat com.clickzetta.di.reader.MysqlReader.fetchColumns(MysqlReader.java:188)',
    ],
  },
  {
    id: 'where_empty',
    kinds: DI,
    failType: 'RUNTIME_ERROR',
    transient: false,
    failMsg: () => 'syntax error at WHERE ""',
    log: (c) => [err(c, 'org.postgresql.util.PSQLException: ERROR: syntax error at or near ""'), '  Detail: syntax error at WHERE ""', '  Position: 58'],
  },
  {
    id: 'vcluster_unavailable',
    kinds: [...DI, 'SQL'],
    failType: 'RESOURCE_ERROR',
    transient: true,
    failMsg: () => 'VCluster not available: SYNC_VC is SUSPENDED',
    log: (c) => [
      err(c, 'CZLH-60022 Job status unknown: VCluster not available: SYNC_VC is SUSPENDED (auto resume timed out after 120s)'),
      `${c.stamp} [WARN] 计算集群不可用，请检查集群状态`,
    ],
  },
  {
    id: 'sql_syntax',
    kinds: SQL,
    failType: 'SQL_ERROR',
    transient: false,
    failMsg: () => "CZLH-42000: Syntax error at or near 'FORM' [12,8]",
    log: (c) => [
      err(c, `SQL job ${c.runId}0001 failed`),
      "com.clickzetta.client.SqlException: CZLH-42000: Syntax error at or near 'FORM' [12,8]",
      '== SQL ==',
      "INSERT OVERWRITE TABLE dwd.orders_detail PARTITION (dt = '${bizdate}')",
      'SELECT o.order_id, o.user_id, CAST(o.is_paid AS BOOLEAN) AS is_paid',
      'FORM ods.orders o',
      '-------^^^',
    ],
  },
  {
    id: 'table_already_exists',
    kinds: SQL,
    failType: 'SQL_ERROR',
    transient: false,
    failMsg: () => 'CZLH-42000: 表已存在 (Table already exists): legacy_ods.orders [1,14]',
    log: (c) => [
      err(c, 'com.clickzetta.client.SqlException: CZLH-42000: 表已存在 (Table already exists): legacy_ods.orders [1,14]'),
      'CREATE TABLE legacy_ods.orders (',
      '             ^^^',
    ],
  },
  {
    id: 'queue_full',
    kinds: [...SQL, 'PYTHON', 'DYNAMIC_TABLE'],
    failType: 'RESOURCE_ERROR',
    transient: true,
    failMsg: () => 'CZLH-57015: 计算集群队列已满 (VCluster queue is full), please retry later',
    log: (c) => [err(c, 'com.clickzetta.client.SqlException: CZLH-57015: 计算集群队列已满 (VCluster queue is full), please retry later. vcluster=DEFAULT, queued=128')],
  },
  {
    id: 'job_timeout',
    kinds: [...SQL, 'DYNAMIC_TABLE'],
    failType: 'TIMEOUT',
    transient: false,
    failMsg: () => 'CZLH-60010: Job killed by timeout (executeTimeout=3600s)',
    log: (c) => [err(c, 'com.clickzetta.client.SqlException: CZLH-60010: Job killed by timeout (executeTimeout=3600s)'), `${c.stamp} [INFO] 任务执行超时被终止`],
  },
  {
    id: 'bizdate_manual',
    kinds: [...SQL, 'PYTHON', 'SHELL'],
    failType: 'SQL_ERROR',
    transient: false,
    failMsg: () => 'invalid input syntax for type date: "${bizdate}"',
    log: (c) => [err(c, 'com.clickzetta.client.SqlException: CZLH-42000: invalid input syntax for type date: "${bizdate}" [3,24]')],
  },
  {
    id: 'tenant_overdue',
    kinds: ANY,
    failType: 'ACCOUNT_ERROR',
    transient: false,
    failMsg: () => 'CZLH-60029: GATEWAY_TENANT_OVERDUE 账户已欠费，请充值后重试',
    log: (c) => [err(c, 'com.clickzetta.client.GatewayException: CZLH-60029: GATEWAY_TENANT_OVERDUE 账户已欠费，请充值后重试 (the account has overdue payments)')],
  },
  {
    id: 'github_rate_limit',
    kinds: ['SHELL'],
    failType: 'RUNTIME_ERROR',
    transient: true,
    failMsg: () => 'Process exited with code 1: urllib.error.HTTPError: HTTP Error 403: rate limit exceeded',
    log: (c) => [
      `Fetch date: ${c.bizDate}`,
      'Traceback (most recent call last):',
      '  File "<stdin>", line 21, in <module>',
      '  File "/usr/lib/python3.10/urllib/request.py", line 216, in urlopen',
      '    return opener.open(url, data, timeout)',
      '  File "/usr/lib/python3.10/urllib/request.py", line 525, in open',
      '    response = meth(req, response)',
      '  File "/usr/lib/python3.10/urllib/request.py", line 643, in http_error_default',
      '    raise HTTPError(req.full_url, code, msg, hdrs, fp)',
      'urllib.error.HTTPError: HTTP Error 403: rate limit exceeded',
      err(c, 'Shell task exited with code 1'),
    ],
  },
  {
    id: 'python_keyerror',
    kinds: ['PYTHON'],
    failType: 'RUNTIME_ERROR',
    transient: false,
    failMsg: () => "KeyError: 'tag_name'",
    log: (c) => [
      `Cleaning date: ${c.bizDate}`,
      'Session ready: quick_start.doc_connector_demo',
      'Raw layer record count: 10',
      'Traceback (most recent call last):',
      '  File "/home/studio/task/github_clean.py", line 44, in <module>',
      "    df = df.drop_duplicates(subset=['tag_name'], keep='first')",
      '  File "/usr/local/lib/python3.10/site-packages/pandas/core/frame.py", line 6566, in drop_duplicates',
      '    result = self[-self.duplicated(subset, keep=keep)]',
      "KeyError: Index(['tag_name'], dtype='object')",
      err(c, 'Python task exited with code 1'),
    ],
  },
  {
    id: 'mapping_missing',
    kinds: ['MULTI_DI', 'MULTI_REALTIME'],
    failType: 'CONFIG_ERROR',
    transient: false,
    failMsg: () => '未配置字段映射 (column mapping is not configured): configure source/target mapping in Studio and republish',
    log: (c) => [err(c, 'com.clickzetta.di.exception.ConfigException: 未配置字段映射 (column mapping is not configured) for sync objects: shop.*')],
  },
  {
    id: 'dqc_null_rate',
    kinds: SQL,
    failType: 'SQL_ERROR',
    transient: false,
    failMsg: () => 'DQC check failed: null rate of dwd.orders_detail.user_id is 12.50% (threshold 1%)',
    log: (c) => [err(c, 'com.clickzetta.client.SqlException: CZLH-42000: ASSERT failed: DQC check failed: null rate of dwd.orders_detail.user_id is 12.50% (threshold 1%) [9,1]')],
  },
];

const BY_ID = new Map(FAILURES.map((f) => [f.id, f]));

export function failureById(id: string): FailureSpec | undefined {
  return BY_ID.get(id);
}

export function failuresFor(kind: TaskKindKey | undefined): FailureSpec[] {
  return FAILURES.filter((f) => kind !== undefined && f.kinds.includes(kind));
}
