/**
 * Issue 31: the vendor-neutral cause taxonomy. Each category is recognised in the wordings of at
 * least three systems, English and Chinese. The lines are written in the form each system prints
 * (the messages are the systems' own; the object names are made up).
 */
import { describe, expect, it } from 'vitest';
import { CATEGORIES, classify } from '../../src/knowledge/taxonomy.js';

/** category → [system, line] */
const WORDINGS: Record<string, [string, string][]> = {
  'cdc.binlog': [
    ['Debezium', 'io.debezium.DebeziumException: The MySQL server is not configured to use a ROW binlog_format, which is required for this connector to work properly.'],
    ['Flink CDC', 'The connector is trying to read binlog starting at GTID set ..., but this is no longer available on the server (binlog purged).'],
    ['Canal', 'binlog_row_image must be FULL, but it is MINIMAL'],
    ['Studio (zh)', '源库二进制日志格式不是 ROW，实时同步无法启动'],
  ],
  'cdc.replication_slot': [
    ['PostgreSQL', 'ERROR:  all replication slots are in use'],
    ['Debezium', 'org.postgresql.util.PSQLException: ERROR: replication slot "debezium" is active for PID 4012'],
    ['Flink CDC', 'Caused by: org.postgresql.util.PSQLException: FATAL: number of requested standby connections exceeds max_replication_slots'],
    ['Studio (zh)', '创建复制槽失败: 复制槽已用尽'],
  ],
  'cdc.replication_role': [
    ['PostgreSQL', 'ERROR: must be superuser or replication role to start walsender'],
    ['MySQL', 'Access denied; you need (at least one of) the REPLICATION SLAVE privilege(s) for this operation'],
    ['Debezium', 'User does not have the REPLICATION CLIENT privilege required by the connector'],
    ['Studio (zh)', '同步用户缺少复制权限 (replication privilege)'],
  ],
  'cdc.publication': [
    ['PostgreSQL', 'ERROR: publication "dbz_publication" does not exist'],
    ['Debezium', 'Caused by: org.postgresql.util.PSQLException: ERROR: publication "flink_pub" does not exist'],
    ['Flink CDC', 'publication flink_cdc_pub not found on the source database'],
    ['Studio (zh)', '发布 dbz_publication 不存在'],
  ],
  'cdc.capture_agent': [
    ['SQL Server', 'The SQL Server Agent is not running; change data capture jobs cannot run'],
    ['Debezium', 'No maximum LSN recorded in the database; please ensure that the SQL Server Agent is running'],
    ['Oracle', 'ORA-01347: Supplemental log data no longer found'],
    ['Studio (zh)', 'SQL Server Agent 代理未启动，CDC 捕获停止'],
  ],
  'cdc.consumer_poll': [
    ['Kafka', 'org.apache.kafka.clients.consumer.CommitFailedException: Commit cannot be completed since the group has already rebalanced'],
    ['Flink', 'consider increasing max.poll.interval.ms or reducing the maximum size of batches returned in poll() with max.poll.records'],
    ['Spark', 'Caused by: org.apache.kafka.clients.consumer.CommitFailedException: Offset commit cannot be completed'],
    ['Studio (zh)', '消费者 poll 间隔超过 max.poll.interval.ms，已离开消费组'],
  ],
  'not_found.table': [
    ['PostgreSQL', 'ERROR:  relation "public.orders" does not exist'],
    ['MySQL', "ERROR 1146 (42S02): Table 'shop.orders' doesn't exist"],
    ['Spark', '[TABLE_OR_VIEW_NOT_FOUND] The table or view `dw`.`orders` cannot be found.'],
    ['Oracle', 'ORA-00942: table or view does not exist'],
    ['Lakehouse (zh)', 'SQL 执行失败: 表或视图不存在 ecommerce_dwd.orders_detail'],
    ['PostgreSQL (zh)', '错误:  关系 "orders" 不存在'],
    ['Oracle (zh)', 'ORA-00903: 无效的表或视图名'],
  ],
  'not_found.partition': [
    ['Hive', 'FAILED: SemanticException [Error 10006]: Partition not found {dt=2026-11-19}'],
    ['Doris', 'errCode = 2, detailMessage = Partition p20261119 does not exist'],
    ['MaxCompute', 'ODPS-0130071: partition dt=20261119 not found'],
    ['Lakehouse (zh)', '分区 dt=2026-11-19 不存在'],
  ],
  'not_found.column': [
    ['MySQL', "ERROR 1054 (42S22): Unknown column 'amount' in 'field list'"],
    ['PostgreSQL', 'ERROR:  column "amount" does not exist'],
    ['Spark', '[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `amt` cannot be resolved.'],
    ['Oracle', 'ORA-00904: "AMOUNT": invalid identifier'],
    ['Lakehouse (zh)', '字段不存在: amount'],
  ],
  'not_found.schema': [
    ['MySQL', "ERROR 1049 (42000): Unknown database 'shop'"],
    ['PostgreSQL', 'ERROR:  schema "staging" does not exist'],
    ['Spark', 'org.apache.spark.sql.catalyst.analysis.NoSuchDatabaseException: Database dw not found'],
    ['Lakehouse (zh)', 'schema不存在: ods_shop'],
  ],
  'not_found.storage': [
    ['S3', 'botocore.errorfactory.NoSuchKey: An error occurred (NoSuchKey) when calling the GetObject operation: The specified key does not exist.'],
    ['OSS', 'ErrorCode: NoSuchBucket, ErrorMessage: The specified bucket does not exist.'],
    ['Hadoop', 'java.io.FileNotFoundException: File does not exist: /warehouse/orders/dt=2026-11-19'],
    ['bash (zh)', 'cat: /data/in/orders.csv: 没有那个文件或目录'],
  ],
  'not_found.profile': [
    ['dbt', "Runtime Error: Could not find profile named 'lakehouse'"],
    ['Airflow', "airflow.exceptions.AirflowNotFoundException: The conn_id `lakehouse_default` isn't defined"],
    ['dbt (profiles)', 'profiles.yml file not found in /home/etl/.dbt'],
    ['Studio (zh)', '任务失败: 找不到连接配置 lakehouse_prod'],
  ],
  'configuration.missing': [
    ['dbt', "Compilation Error: Required var 'start_date' not found in config"],
    ['dbt env', "Env var required but not provided: 'DBT_PASSWORD'"],
    ['Python', "KeyError: 'LAKEHOUSE_TOKEN'"],
    ['Studio (zh)', '任务执行失败: 缺少参数 bizdate'],
  ],
  'dependency.package': [
    ['Python', "ModuleNotFoundError: No module named 'clickzetta'"],
    [
      'dbt',
      'Compilation Error: dbt found 1 package(s) specified in packages.yml, but only 0 package(s) installed in dbt_packages. Run "dbt deps" to install package dependencies.',
    ],
    ['Java', 'java.lang.ClassNotFoundException: com.mysql.cj.jdbc.Driver'],
    ['Python (zh)', '找不到模块 pandas，请先安装依赖包'],
  ],
  'dependency.upstream': [
    ['Studio', 'scheduler: instance 7100005 status=UPSTREAM_FAILED'],
    ['Airflow', 'Dependencies not met for <TaskInstance: etl.load>: upstream task failed'],
    ['DolphinScheduler', 'upstream dependency failed, this task instance will not run'],
    ['Studio (zh)', '上游任务失败，实例不会启动'],
  ],
  credentials: [
    ['MySQL', "ERROR 1045 (28000): Access denied for user 'etl'@'10.0.0.5' (using password: YES)"],
    ['PostgreSQL', 'FATAL:  password authentication failed for user "etl"'],
    ['S3', 'An error occurred (ExpiredToken) when calling the PutObject operation: The provided token has expired.'],
    ['HTTP API', 'curl: (22) The requested URL returned error: 401 Unauthorized'],
    ['SQL Server', "Login failed for user 'etl'."],
    ['Lakehouse (zh)', '认证失败: 用户名或密码错误'],
  ],
  permission: [
    ['PostgreSQL', 'ERROR:  permission denied for table orders'],
    ['MySQL', "ERROR 1142 (42000): SELECT command denied to user 'bi'@'%' for table 'orders'"],
    ['Oracle', 'ORA-01031: insufficient privileges'],
    ['S3', 'An error occurred (AccessDenied) when calling the ListObjectsV2 operation: Access Denied'],
    ['Lakehouse (zh)', 'CZLH-42000: 权限不足: 用户 bi 没有表 dwd.orders 的 SELECT 权限'],
  ],
  'script.crlf': [
    ['bash', "run.sh: line 2: $'\\r': command not found"],
    ['bash shebang', '/bin/bash^M: bad interpreter: No such file or directory'],
    ['sh', './load.sh: 3: set: Illegal option -\\r: command not found'],
    // bash in a zh_CN locale (its translation of "bad interpreter: No such file or directory").
    ['bash (zh)', '/bin/bash^M: 坏的解释器: 没有那个文件或目录'],
  ],
  'script.command': [
    ['bash', './run.sh: line 3: jq: command not found'],
    ['bash (zh)', './run.sh:行3: jq: 未找到命令'],
    ['sh', '/bin/sh: 1: ./export.sh: Permission denied'],
    ['Python subprocess', 'OSError: [Errno 8] Exec format error'],
  ],
  'script.exit': [
    ['Airflow', 'Command exited with return code 2'],
    ['Python', "subprocess.CalledProcessError: Command '['bash', 'x.sh']' returned non-zero exit status 1."],
    ['Studio shell', 'Shell task finished: exit code 3'],
    ['GNU make', 'make: *** [Makefile:12: load] Error 2'],
    // GNU make in a zh_CN locale ("Error 2").
    ['GNU make (zh)', 'make: *** [Makefile:12：load] 错误 2'],
  ],
  'resources.memory': [
    ['Java/Spark', 'java.lang.OutOfMemoryError: Java heap space'],
    ['YARN', 'Container killed by YARN for exceeding memory limits. 9.1 GB of 9 GB physical memory used'],
    ['Doris', 'Memory limit exceeded: Process has no memory available'],
    ['Linux', 'Killed process 3121 (python3) total-vm:9123444kB'],
    ['Lakehouse (zh)', '查询失败: 内存不足，请扩大计算集群'],
  ],
  'resources.disk': [
    ['Linux', 'OSError: [Errno 28] No space left on device'],
    ['PostgreSQL', 'ERROR: could not extend file "base/16384/16400": No space left on device'],
    ['MySQL', 'ERROR 1114 (HY000): The table is full; disk is full'],
    ['zh', '写入失败: 磁盘空间不足'],
  ],
  'resources.quota': [
    ['Lakehouse', 'GATEWAY_TENANT_OVER_QUOTA: workspace is over quota'],
    ['S3', 'An error occurred (SlowDown) when calling the PutObject operation: Please reduce your request rate.'],
    ['BigQuery', 'Quota exceeded: Your project exceeded quota for concurrent queries'],
    ['zh', '请求失败: 超出限额，已限流'],
  ],
  'resources.compute': [
    ['Lakehouse', 'CZLH-57015: VCluster queue is full'],
    ['Snowflake', "Warehouse 'ETL_WH' is suspended and cannot be resumed automatically"],
    ['MySQL', 'ERROR 1040 (HY000): Too many connections'],
    ['YARN', 'Application rejected: insufficient resources in queue root.etl'],
    ['Lakehouse (zh)', '计算集群已暂停，作业无法提交'],
  ],
  'connectivity.tls': [
    [
      'Python requests',
      "requests.exceptions.SSLError: HTTPSConnectionPool(host='api.example.com', port=443): Max retries exceeded (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed')))",
    ],
    ['Java', 'javax.net.ssl.SSLHandshakeException: PKIX path building failed'],
    ['curl', 'curl: (60) SSL certificate problem: unable to get local issuer certificate'],
    ['pip', "ProxyError('Cannot connect to proxy.', OSError('Tunnel connection failed: 407 Proxy Authentication Required'))"],
    ['zh', '连接失败: 证书验证失败'],
  ],
  'connectivity.network': [
    ['MySQL JDBC', 'com.mysql.cj.jdbc.exceptions.CommunicationsException: Communications link failure'],
    ['PostgreSQL', 'psql: error: could not connect to server: Connection refused'],
    ['curl', 'curl: (6) Could not resolve host: api.example.com'],
    ['Java', 'java.net.SocketTimeoutException: connect timed out'],
    ['Studio (zh)', '数据源连接超时，请检查网络'],
  ],
  'data.dirty_rows': [
    ['DataX', '脏数据条数检查不通过，限制是[0]条，但实际上捕获了[3]条.'],
    ['Doris Stream Load', 'too many filtered rows; max_filter_ratio is 0'],
    ['BigQuery', 'Error while reading data, error message: Too many errors encountered. Max bad records: 0'],
    ['SeaTunnel', 'dirty data count 120 exceeds limit 100'],
  ],
  'data.encoding': [
    ['Python', "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xb2 in position 10: invalid start byte"],
    ['PostgreSQL', 'ERROR:  invalid byte sequence for encoding "UTF8": 0xb2'],
    ['MySQL', "ERROR 1366 (HY000): Incorrect string value: '\\xB2\\xE2' for column 'name'"],
    ['Java', 'java.nio.charset.MalformedInputException: Input length = 1'],
    ['zh', '读取文件失败: 编码错误，文件不是 UTF-8'],
  ],
  'data.duplicates': [
    ['MySQL', "ERROR 1062 (23000): Duplicate entry '42' for key 'PRIMARY'"],
    ['PostgreSQL', 'ERROR:  duplicate key value violates unique constraint "orders_pkey"'],
    ['dbt', 'Failure in test unique_orders_order_id (models/schema.yml)'],
    ['Oracle', 'ORA-00001: unique constraint (ETL.PK_ORDERS) violated'],
    ['Lakehouse (zh)', '写入失败: 主键冲突'],
  ],
  'data.schema_change': [
    [
      'dbt',
      "The source and target schemas on this incremental model are out of sync! You can specify one of ['fail', 'ignore', 'append_new_columns', 'sync_all_columns'] in the on_schema_change config",
    ],
    ['Spark', 'org.apache.spark.sql.AnalysisException: A schema mismatch detected when writing to the Delta table'],
    [
      'Hive',
      'SemanticException [Error 10044]: Cannot insert into target table because column number/types are different: Table insclause-0 has 5 columns, but query has 6 columns.',
    ],
    ['Studio (zh)', '同步失败: 源表表结构变更，字段变更未同步'],
  ],
  'data.no_partition': [
    ['PostgreSQL', 'ERROR:  no partition of relation "events" found for row'],
    ['MySQL', 'ERROR 1526 (HY000): Table has no partition for value 20261120'],
    ['Oracle', 'ORA-14400: inserted partition key does not map to any partition'],
    // PostgreSQL with lc_messages zh_CN: "no partition of relation … found for row".
    ['PostgreSQL (zh)', '错误:  没有为行找到关系"events"的分区'],
  ],
  'data.type': [
    ['MySQL', "ERROR 1406 (22001): Data too long for column 'name' at row 1"],
    ['PostgreSQL', 'ERROR:  value too long for type character varying(50)'],
    ['Java', 'java.lang.NumberFormatException: For input string: "12a"'],
    ['Spark', '[CAST_INVALID_INPUT] The value \'abc\' of the type "STRING" cannot be cast to "INT"'],
    ['Lakehouse (zh)', '写入失败: 数值溢出 (DECIMAL(10,2))'],
  ],
  syntax: [
    ['MySQL', "ERROR 1064 (42000): You have an error in your SQL syntax; check the manual near 'FORM orders'"],
    ['PostgreSQL', 'ERROR:  syntax error at or near "FORM"'],
    ['Spark', "org.apache.spark.sql.catalyst.parser.ParseException: mismatched input 'FORM' expecting <EOF>"],
    ['Lakehouse', "CZLH-42000: Syntax error at or near 'FORM' [12,8]"],
    ['PostgreSQL (zh)', '错误:  语法错误 在 "FORM" 或附近的'],
  ],
};

describe('the cause taxonomy', () => {
  for (const category of CATEGORIES) {
    it(`${category.id}: recognised in the wordings of several systems`, () => {
      const wordings = WORDINGS[category.id] ?? [];
      expect(new Set(wordings.map(([system]) => system.replace(/ \(.*\)$/, ''))).size, 'systems').toBeGreaterThanOrEqual(3);
      for (const [system, line] of wordings) expect(classify([line])?.category.id, `${system}: ${line}`).toBe(category.id);
    });
  }

  it('has a Chinese wording for every category', () => {
    const withoutChinese = CATEGORIES.filter((c) => !(WORDINGS[c.id] ?? []).some(([, l]) => /\p{Script=Han}/u.test(l))).map((c) => c.id);
    expect(withoutChinese).toEqual([]);
  });

  it('does not classify ordinary lines', () => {
    for (const line of ['2026-11-20 02:00:00 INFO  Starting job', 'INSERT 0 182344', 'rows written: 1200', '任务开始执行']) expect(classify([line]), line).toBeUndefined();
  });
});

/** Generalised from the misses of the second held-out batch (heldout2/): other systems' wordings of known kinds. */
/** Lines (and the block around them) in the wordings a batch met, and the kind each must be read as. */
function describeCases(title: string, cases: [name: string, lines: string[], context: string[], id: string][]): void {
  describe(title, () => {
    for (const [name, lines, context, id] of cases) it(name, () => expect(classify(lines, context)?.category.id).toBe(id));
  });
}

describeCases('the cause taxonomy, in the wordings of the second held-out batch', [
  ['SQL Server (zh): invalid object name', ["System.Data.SqlClient.SqlException (0x80131904): 对象名 'dbo.Orders' 无效。"], [], 'not_found.table'],
  ['SQL Server (zh): invalid column name', ["Microsoft.Data.SqlClient.SqlException: 列名 'UpdatedAt' 无效。"], [], 'not_found.column'],
  ['JDK (zh): connection refused', ['java.net.ConnectException: 拒绝连接 (Connection refused)'], [], 'connectivity.network'],
  ['Java NIO: file missing', ['java.nio.file.NoSuchFileException: /data/exec/42/42_node.sh'], [], 'not_found.storage'],
  ['Windows cmd: unknown command', ["'dbt' is not recognized as an internal or external command,"], [], 'script.command'],
  ['Windows cmd (zh): unknown command', ["'dbt' 不是内部或外部命令，也不是可运行的程序"], [], 'script.command'],
  ['a runner: exit code', ['process has exited, processId:77, exitStatusCode:2'], [], 'script.exit'],
  ['JVM: heap not reserved', ['Could not reserve enough space for 4194304KB object heap'], [], 'resources.memory'],
  ['MongoDB: auth failed', ['{ ok: 0.0, errmsg: "auth failed", code: 18 }'], [], 'credentials'],
  ['a command line: missing option', ['Must specify destination with --target-dir.'], [], 'configuration.missing'],
  ['DataX (zh): dirty rows over the limit', ['DataXException: Code:[Framework-14], Description:[DataX传输脏数据超过用户预期]'], [], 'data.dirty_rows'],
  [
    'Addax (zh): a dirty record is a conversion',
    ['AddaxException: Code:[Common-01], Describe:[同步数据出现业务脏数据情况，数据类型转换错误] - String["是"]不能转为Long'],
    [],
    'data.type',
  ],
  [
    'DataX: a dirty record whose own cause is the network',
    ['DataXException: Code:[DBUtilErrorCode-06] 执行数据库 Sql 失败'],
    ['{"exception":"Connection reset","record":[]}', 'ERROR StdoutPluginCollector - 脏数据:'],
    'connectivity.network',
  ],
  [
    'Oracle tool: a GRANT hint outranks ORA-00942',
    ['[ERROR] HINT: run: GRANT SELECT ON SYS.OBJ$ TO cdc_user;'],
    ['[ERROR] OCI ERROR: [ORA-00942: table or view does not exist]'],
    'permission',
  ],
  [
    'Python: a program that could not be started',
    ['FileNotFoundError: [WinError 2] 系统找不到指定的文件。'],
    ['  File "C:\\Python311\\Lib\\subprocess.py", line 1538, in _execute_child'],
    'script.command',
  ],
]);

describeCases('the cause taxonomy, in the wordings of the third held-out batch (other systems, the same forms)', [
  [
    'MySQL replication: purged binary logs, cause after state',
    ['Got fatal error 1236 from source: the source has purged binary logs containing GTIDs the replica requires'],
    [],
    'cdc.binlog',
  ],
  ['Maxwell: binary log no longer available', ['Could not find first log file name in binary log index file: binary log mysql-bin.000912 not found'], [], 'cdc.binlog'],
  ['PostgreSQL: WAL segment removed', ['ERROR: requested WAL segment 000000010000000A000000F3 has already been removed'], [], 'cdc.capture_agent'],
  [
    'MongoDB change stream: resume point gone',
    ['ChangeStreamHistoryLost: Resume of change stream was not possible, as the resume point may no longer be in the oplog'],
    [],
    'cdc.capture_agent',
  ],
  ['Oracle: archived log gone', ['ORA-00308: cannot open archived log; the archived log was removed by RMAN'], [], 'cdc.capture_agent'],
  ['Airflow BashOperator: exit 127', ['airflow.exceptions.AirflowException: Bash command failed. The command returned a non-zero exit code 127.'], [], 'script.command'],
  ['Kubernetes: exit code 126', ['Error: container "etl" exited with code 126'], [], 'script.command'],
  ['a runner: exit 1 stays an exit', ['Process exited with code 1'], [], 'script.exit'],
  ['BigQuery: dataset not found', ['google.api_core.exceptions.NotFound: 404 Not found: Dataset acme-prod:analytics was not found in location EU'], [], 'not_found.schema'],
  ['Hadoop on Windows: HADOOP_HOME unset', ['Failed to locate the winutils binary in the hadoop binary path: null\\bin\\winutils.exe'], [], 'configuration.missing'],
  ['Node: an unset variable in a path', ["Error: ENOENT: no such file or directory, open 'undefined/config/db.json'"], [], 'configuration.missing'],
  ['a tool: its configuration file missing', ['FATAL: configuration file /etc/sling/env.yaml not found'], [], 'configuration.missing'],
  ['a script (zh): configuration file missing', ['错误: 找不到配置文件 settings.ini，请先复制 settings.example.ini'], [], 'configuration.missing'],
  ['Linux: too many open files', ['java.io.IOException: Too many open files'], [], 'resources.quota'],
  ['Hive: too many dynamic partitions (zh)', ['动态分区数过多，超过 hive.exec.max.dynamic.partitions'], [], 'resources.quota'],
  ['MySQL: too many connections stays compute', ['ERROR 1040 (HY000): Too many connections'], [], 'resources.compute'],
  ['YARN: a queue’s limit, in the possessive', ["Application is added to the scheduler and is not yet activated. Queue's AM resource limit exceeded."], [], 'resources.compute'],
  [
    'Windows line endings explain the shell’s syntax error',
    ["./load.sh: line 12: syntax error near unexpected token `fi'"],
    ["./load.sh: line 3: $'\\r': command not found"],
    'script.crlf',
  ],
  [
    'a full disk explains the file that went missing',
    ['FileNotFoundException: /tmp/spill/part-0007 (No such file or directory)'],
    ['java.io.IOException: No space left on device'],
    'resources.disk',
  ],
  ['without the cause, the symptom stands', ["./load.sh: line 12: syntax error near unexpected token `fi'"], [], 'syntax'],
]);

describeCases('the cause taxonomy, in the wordings of the fourth held-out batch (other systems, the same forms)', [
  ['Redis: a wrong user-password pair', ['WRONGPASS invalid username-password pair or user is disabled.'], [], 'credentials'],
  ['Vertica: invalid user or password', ['FATAL 3781:  Invalid username or password'], [], 'credentials'],
  ['Kafka SASL: authentication failed', ['Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256'], [], 'credentials'],
  ['a connect error that says the password was wrong', ['Failed to connect to warehouse db01:5432: the password supplied for user etl is incorrect'], [], 'credentials'],
  ['MySQL: a column named user in a type error stays a type error', ["ERROR 1366 (HY000): Incorrect integer value: 'abc' for column 'user' at row 1"], [], 'data.type'],
  ['BigQuery: MERGE matched several source rows', ['UPDATE/MERGE must match at most one source row for each target row'], [], 'data.duplicates'],
  [
    'Databricks: MERGE matched several source rows',
    ['Cannot perform Merge as multiple source rows matched and attempted to modify the same target row in the Delta table'],
    [],
    'data.duplicates',
  ],
  ['a uniqueness check: duplicate values', ['expect_column_values_to_be_unique failed: 12 duplicate values in column order_id'], [], 'data.duplicates'],
  ['Doris: no partition for a tuple', ['Reason: no partition for this tuple. tuple=(2019-01-01, 7)'], [], 'data.no_partition'],
  ['a loader: rows without a partition', ['load failed: 12 rows have no matching partition'], [], 'data.no_partition'],
  ['SQL Server: would be truncated', ["String or binary data would be truncated in table 'dbo.Orders', column 'Note'."], [], 'data.type'],
  ['Snowflake: invalid UTF8', ['100069 (22P02): Invalid UTF8 detected in string'], [], 'data.encoding'],
  ['curl on macOS: operation timed out', ['curl: (28) Operation timed out after 30001 milliseconds with 0 bytes received'], [], 'connectivity.network'],
  ['psycopg: the socket under TLS failed', ['psycopg2.OperationalError: SSL SYSCALL error: EOF detected'], [], 'connectivity.network'],
  [
    'Snowflake: 42000 is a class, the line after it says which',
    ['000904 (42000): SQL compilation error: error line 1 at position 7', "invalid identifier 'AMOUNT_USD'"],
    [],
    'not_found.column',
  ],
  ['MySQL: 42000 with its syntax wording stays syntax', ["ERROR 1064 (42000): You have an error in your SQL syntax; check the manual near 'FORM orders'"], [], 'syntax'],
  [
    'a filtered-rows limit explained by the rows’ kind',
    ['stream load error: too many filtered rows'],
    ['Reason: no partition for this tuple. tuple=(2019-01-01, 7)'],
    'data.no_partition',
  ],
  ['without the rows’ kind, the limit stands', ['stream load error: too many filtered rows'], [], 'data.dirty_rows'],
  [
    'a namespace field earlier on the line does not make a missing table a schema',
    ["[namespace=prod] [error=\"Error 1146: Table 'shop.orders' doesn't exist\"]"],
    [],
    'not_found.table',
  ],
  ['a step named schema before a missing relation', ['Checking schema   : ERROR:  relation "public.migrations" does not exist'], [], 'not_found.table'],
  ['a missing schema, its name right after the kind', ['ERROR:  schema "staging" does not exist'], [], 'not_found.schema'],
]);
