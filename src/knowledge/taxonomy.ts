/**
 * A cause taxonomy that does not depend on the vendor: the kinds of failure a data pipeline meets
 * (an object not found, a permission, credentials, syntax, resources, connectivity, data, CDC
 * prerequisites, dependencies, configuration, scripts), each recognised by the structure and
 * vocabulary the systems our users meet print — ClickZetta Lakehouse and Studio, MySQL,
 * PostgreSQL, SQL Server, Oracle, Hive/Spark, Doris/StarRocks, MaxCompute, Kafka, S3/OSS/COS,
 * Python, bash/curl, dbt, YARN — in English and Chinese. It reads only the decisive lines of a log
 * (log-reader.ts), so a word in an INFO line or a skipped NOTICE never names a category.
 *
 * A signal's weight says how telling it is: 3 names the kind outright (`Access denied for user …
 * (using password`), 2 a structure of words that usually means it, 1 a word that only leans that way.
 * The knowledge table's entries refine a category where they are specific.
 */

export interface Category {
  /** `family.kind`, e.g. `not_found.table`. */
  id: string;
  title: string;
  /** What to check first. */
  check: string;
  signals: readonly (readonly [RegExp, number])[];
  /**
   * Kinds this one causes and so explains when both are in the block that ended the run: Windows
   * line endings make a shell print syntax errors and unknown commands; a full disk makes files go
   * missing. Seen together at the same strength, the cause is the answer.
   */
  explains?: readonly string[];
}

const re = (s: string) => new RegExp(s, 'i');
/**
 * A structure: two phrases in order on one line (`table … does not exist`). The gap between them
 * never contains the first phrase again, so no two starts re-read the same text (linear time).
 */
const near = (first: string, second: string) => re(`(?:${first})(?:(?!${first}).)*(?:${second})`);

export const CATEGORIES: readonly Category[] = [
  // ------------------------------------------------------------------ CDC prerequisites
  {
    id: 'cdc.binlog',
    title: 'CDC prerequisite: binlog format, row image or retention',
    check: "Check the source's binlog settings: `SHOW VARIABLES LIKE 'binlog_format'` is ROW, `binlog_row_image` is FULL, and the binlog is kept longer than the task may stop.",
    signals: [
      [re('binlog_format|binlog format|binlog_row_image|row image|expire_logs_days|binlog_expire_logs_seconds'), 3],
      [near('binlog', '(?:purged|no longer available|not available|has been deleted|is not ROW|must be ROW)'), 3],
      [near('(?:binlog|二进制日志)', '(?:格式|已清理|已被清除|不可用)'), 3],
      [near('\\b(?:purged|removed|deleted)\\b', '\\b(?:binlogs?|binary logs?)\\b'), 3],
      [near('\\bbinary logs?\\b', '(?:purged|no longer available|not available|has been deleted|not found|expired)'), 3],
      [re('\\bbinlog\\b|二进制日志'), 1],
    ],
  },
  {
    id: 'cdc.replication_slot',
    title: 'CDC prerequisite: replication slots exhausted or in use',
    check: 'List the slots (`SELECT slot_name, active FROM pg_replication_slots`); drop unused ones or raise `max_replication_slots`; one slot per task.',
    signals: [
      [re('all replication slots are in use|max_replication_slots|replication slot (?:(?!replication slot).)*(?:is active|already exists|does not exist)'), 3],
      [near('复制槽', '(?:已用尽|已满|被占用|不存在)'), 3],
      [re('replication slots?|复制槽|wal_level'), 2],
    ],
  },
  {
    id: 'cdc.replication_role',
    title: 'CDC prerequisite: the user lacks the replication role or privilege',
    check: "Grant the sync user replication: PostgreSQL `ALTER ROLE <user> REPLICATION`; MySQL `GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '<user>'`.",
    signals: [
      [re('must be superuser or replication role|must be superuser or have REPLICATION|REPLICATION SLAVE|REPLICATION CLIENT|replication privilege|rds_replication'), 3],
      [near('(?:复制|replication)', '(?:权限|privilege|role)'), 2],
    ],
  },
  {
    id: 'cdc.publication',
    title: 'CDC prerequisite: the publication is missing',
    check: 'Create the publication the task names (`CREATE PUBLICATION <name> FOR TABLE …`) or let the connector create it (`publication.autocreate.mode`).',
    signals: [
      [near('publication', '(?:does not exist|not found|missing)'), 3],
      [near('发布', '不存在'), 3],
    ],
  },
  {
    id: 'cdc.capture_agent',
    title: 'CDC prerequisite: capture agent stopped or change data not kept',
    check:
      'Check the capture side is running and enabled: SQL Server Agent and `sys.sp_cdc_enable_table`; Oracle supplemental logging / LogMiner; the LSN the task wants is still kept.',
    signals: [
      [re('SQL Server Agent|capture instance|sp_cdc_enable|is_cdc_enabled|supplemental log|LogMiner|change tables?'), 3],
      [near('\\bLSN\\b', '(?:not available|invalid|no longer|out of range|purged)'), 3],
      // The change log itself no longer holds the position the task needs.
      [
        near(
          '\\b(?:oplog|WAL segment|redo log|archived log|change ?log|change stream|resume (?:token|point))\\b',
          '(?:too small|rolled over|no longer|purged|(?:has been|already been|was) removed|has been deleted|expired|out of range|fell off)',
        ),
        3,
      ],
      [near('(?:代理|agent)', '(?:未启动|停止|not running|stopped)'), 2],
    ],
  },
  {
    id: 'cdc.consumer_poll',
    title: 'Consumer left its group: poll interval exceeded, commit failed',
    check: 'Raise `max.poll.interval.ms` or lower `max.poll.records`, so one batch is processed before the next poll is due.',
    signals: [
      [re('max\\.poll\\.interval\\.ms|max\\.poll\\.records|CommitFailedException|commit cannot be completed|the group has already rebalanced'), 3],
      [near('(?:consumer|消费者)', '(?:rebalanc|left the group|poll)'), 2],
    ],
  },
  // ------------------------------------------------------------------ scripts
  {
    id: 'script.crlf',
    title: 'Script has Windows line endings (CRLF)',
    check: 'Convert the script to LF line endings (`dos2unix <file>`, or the editor’s line-ending setting) and rerun.',
    signals: [[re("\\\\r(?:['\":]|$)|\\$'\\\\r'|\\\\r: command not found|\\r: command not found|bad interpreter: (?:(?!bad interpreter:).)*\\^M|\\^M: |CRLF|/bin/bash\\^M"), 3]],
    explains: ['syntax', 'script.command', 'script.exit', 'not_found.storage'],
  },
  {
    id: 'script.command',
    title: 'Script: command not found or not executable',
    check: 'Check the command is installed in the runtime and on PATH (`which <cmd>`), and that the script is executable (`chmod +x`).',
    signals: [
      [
        re(
          'command not found|未找到命令|not found in PATH|Exec format error|cannot execute|: Permission denied$|\\.sh: Permission denied|No such file or directory(?:(?!No such file or directory).)*\\.sh|is not recognized as an internal or external command|不是内部或外部命令|不是可运行的程序',
        ),
        3,
      ],
      // A shell's own status for a command it could not find (127) or run (126), as any runner prints it.
      [re('\\b(?:exit(?:ed)?|return(?:ed)?)(?: with)?(?:[ _]?(?:code|status|value))?(?: ?[:=(] ?| )12[67]\\b'), 3],
      // The innermost frame of a traceback that failed to start a program (log-reader.ts adds it only then).
      [re('\\bin _execute_child\\b|\\bin _fork_exec\\b|\\bin (?:_?spawnv?p?e?|execvpe?)\\b'), 3],
    ],
  },
  {
    id: 'script.exit',
    title: 'Script exited with an error status',
    check: 'Read the lines just before the exit status: the command that failed says why; run the script by hand with `bash -x`.',
    signals: [
      [
        re(
          'exit (?:code|status):? ?[1-9]\\d*|\\bexit[_ ]?(?:status[_ ]?)?(?:code|value|status)\\s*[:=(]\\s*[1-9]|returned non-zero exit status|exited with (?:return )?code [1-9]|return code [1-9]|non-zero exit|syntax error near unexpected token|unexpected end of file|未预期的符号|\\] (?:Error|错误) [1-9]\\d*$',
        ),
        1,
      ],
    ],
  },
  // ------------------------------------------------------------------ objects not found, by kind
  {
    id: 'not_found.partition',
    title: 'Object not found: partition',
    check: 'List the partitions (`SHOW PARTITIONS <table>`) and compare with the date the run asked for; the upstream may not have written it yet.',
    signals: [
      [near('partition', '(?:not found|does not exist|doesn.t exist|not exist)'), 3],
      [re('PARTITION_NOT_FOUND|NoSuchPartition|分区不存在|找不到分区|分区(?:(?!分区).)*不存在'), 3],
    ],
  },
  {
    id: 'not_found.column',
    title: 'Object not found: column',
    check: 'Compare the column the statement names with the table as it is now (`DESC <table>`): renamed, dropped, or a typo; quoted case matters.',
    signals: [
      [
        re(
          "Unknown column|invalid identifier|ORA-00904|\\b42703\\b|UNRESOLVED_COLUMN|cannot resolve '|Invalid column name|no such column|列不存在|字段不存在|找不到列|无效的列名|未知列|列名(?:(?!列名).)*无效",
        ),
        3,
      ],
      [near('\\b(?:column|field)\\b', '(?:not found|does not exist|doesn.t exist|cannot be resolved|could not be resolved|not exist)'), 3],
    ],
  },
  {
    id: 'not_found.schema',
    title: 'Object not found: schema or database',
    check: 'Check the schema/database name (and its case) and that the connection points where you think (`SHOW SCHEMAS`, `SHOW DATABASES`).',
    signals: [
      [
        re(
          'Unknown database|\\b3F000\\b|SCHEMA_NOT_FOUND|NoSuchDatabaseException|Database (?:(?!Database ).)* not found|数据库不存在|模式(?:(?!模式).)*不存在|schema不存在|库不存在',
        ),
        3,
      ],
      // `schema "x" does not exist`: the kind right before the name. Further away on the line (`[namespace=default] … Table 'x' doesn't exist`) it only leans.
      [re('\\b(?:schema|database|namespace|catalog) ["\'`\\[]?[\\w.$-]{1,128}["\'`\\]]? (?:does not exist|doesn.t exist|not found|was not found|not exist)'), 3],
      [near('\\b(?:schema|database|namespace|catalog)\\b', '(?:not found|does not exist|doesn.t exist|not exist)'), 2.5],
      // BigQuery's schemas are datasets (`Not found: Dataset p:d`).
      [near('\\bdataset\\b', '(?:was not found|not found|does not exist)'), 2],
    ],
  },
  {
    id: 'not_found.table',
    title: 'Object not found: table, view or relation',
    check: 'Check the table name, its schema and case, and that it exists where the task runs (`SHOW TABLES IN <schema> LIKE …`); an upstream that creates it may not have run.',
    signals: [
      [
        re(
          'Unknown table|no such table|ORA-00942|Table or view not found|TABLE_OR_VIEW_NOT_FOUND|\\b42P01\\b|undefined_table|NoSuchTableException|Invalid object name|Base table or view not found|表或视图不存在|无效的表或视图名|表不存在|找不到表|视图不存在|对象名(?:(?!对象名).)*无效',
        ),
        3,
      ],
      [near('\\b(?:table|view|relation)\\b', '(?:not found|does not exist|doesn.t exist|not exist|cannot be found)'), 3],
      [near('(?:关系|表|视图)', '不存在'), 3],
    ],
  },
  {
    id: 'not_found.storage',
    title: 'Object not found: bucket, path or file',
    check: 'Check the bucket, prefix and file name (`ls` the path with the same credentials); a file may not have been written yet, or the region/endpoint differs.',
    signals: [
      [
        re(
          'NoSuchKey|NoSuchBucket|The specified (?:key|bucket) does not exist|FileNotFoundException|NoSuchFileException|No such file or directory|Path does not exist|路径不存在|文件不存在|存储桶不存在|找不到文件|没有那个文件或目录',
        ),
        3,
      ],
      [near('\\b(?:bucket|path|file|object|directory|prefix)\\b', '(?:not found|does not exist|doesn.t exist|not exist)'), 2],
      [re('\\b404\\b'), 1],
    ],
  },
  {
    id: 'not_found.profile',
    title: 'Configuration missing: profile or connection',
    check: 'Check the profile/connection the job names exists in its configuration (dbt: `profiles.yml` under `DBT_PROFILES_DIR`, `dbt debug`).',
    signals: [
      [
        re(
          'Could not find profile named|profiles\\.yml (?:(?!profiles\\.yml).)*(?:not found|could not|missing|does not exist)|Profile (?:(?!Profile).)* not found|connection (?:(?!connection).)* (?:not found|does not exist)|connection id (?:(?!connection id).)* isn.t defined|conn_id (?:(?!conn_id).)* isn.t defined|no profile (?:was )?specified|找不到(?:连接|数据源配置)|连接(?:(?!连接).)*不存在',
        ),
        3,
      ],
      [near('\\bprofile\\b', '(?:not found|does not exist|doesn.t exist|not exist|is missing)'), 3],
      [near('\\b(?:undefined|unknown|missing|no such)\\b', '\\bprofile\\b'), 2.5],
    ],
  },
  // ------------------------------------------------------------------ configuration and dependencies
  {
    id: 'configuration.missing',
    title: 'Configuration missing: a variable, environment variable or setting',
    // A setting never given leaves a path that is not there (`undefined/config/db.json`).
    explains: ['not_found.storage'],
    check:
      'Supply what is missing: the variable (`--vars`, the task parameters), the environment variable in the runtime, the setting the message names, or the configuration file it reads (at the path it says, readable by the job).',
    signals: [
      [
        re(
          "Required var '|required variable|Env var required but not provided|environment variable [w$.-]+ (?:is )?(?:not set|missing|required|not defined)|is not defined in (?:the )?env|Missing required (?:config|configuration|parameter|argument|option)|缺少(?:变量|参数|配置|必填)|未设置环境变量|环境变量(?:(?!环境变量).)*未设置",
        ),
        3,
      ],
      // A path built from a setting that was never set: `null\bin\winutils.exe`, `undefined/conf`, `None/`.
      [re('(?:^|[\\s:="\'(\\[])(?:null|undefined|None)[\\\\/][\\w.-]'), 3],
      // …or a host (`jdbc:hive2://null`, `Failed to connect to null:-1`).
      [re('(?://|\\bconnect(?:ing)? to |\\bhost[=:] ?)(?:null|undefined|None)(?::-?\\d+)?(?![\\w.-])'), 3],
      [near('\\b(?:config(?:uration)?|settings?|properties) files?\\b', '(?:not found|does not exist|doesn.t exist|is missing|missing|cannot be found|could not be found)'), 3],
      [near('(?:未找到|找不到|缺少|没有)', '配置文件'), 3],
      [near('配置文件', '(?:不存在|未找到|找不到|缺失)'), 3],
      [
        re(
          "KeyError: '[A-Z][A-Z0-9_]{2,}'|os\\.environ\\[|\\bnot configured\\b|未配置|is required but|must be (?:set|specified|provided)|\\bmust specify\\b|\\bplease specify\\b|必须指定|需要指定|请指定",
        ),
        2,
      ],
      [
        re(
          'ConfigException|IllegalArgumentException|invalid (?:config|configuration|option|parameter|setting|value for)|Unrecognized (?:option|field|property)|配置错误|参数错误|参数无效|非法参数',
        ),
        1,
      ],
    ],
  },
  {
    id: 'dependency.package',
    title: 'Dependency missing: module, package or class',
    check: 'Install the dependency the job needs in its runtime (`pip install …`, `dbt deps`, the connector jar) at the version it expects.',
    signals: [
      [
        re(
          'ModuleNotFoundError|No module named|ImportError|cannot import name|dbt deps|dbt_packages|packages? (?:is |are )?not (?:installed|found)|could not find package|ClassNotFoundException|NoClassDefFoundError|找不到模块|未安装|依赖包',
        ),
        3,
      ],
      [re('incompatible version|version conflict|版本不兼容'), 2],
    ],
  },
  {
    id: 'dependency.upstream',
    title: 'Upstream failed or not ready',
    check: 'Open the upstream run and fix it first; this run only starts (or reads complete data) once its upstream has succeeded.',
    signals: [
      [re('UPSTREAM_FAILED|upstream_failed|上游(?:任务|实例|节点)?(?:失败|未完成|未成功)|依赖(?:任务)?(?:失败|未满足|未完成)'), 3],
      [near('\\b(?:upstream|dependency|dependencies|parent|predecessor)\\b', '(?:failed|not (?:ready|met|succeeded|complete)|did not succeed)'), 3],
    ],
  },
  // ------------------------------------------------------------------ permission and credentials
  {
    id: 'credentials',
    title: 'Credentials invalid or expired',
    check: 'Check the user, password, key or token the job uses: rotated, expired or for another environment? Test the same credentials by hand.',
    signals: [
      [
        re(
          'password authentication failed|Access denied for user (?:(?!Access denied for user).)*using password|Login failed for user|ORA-01017|\\b28P01\\b|ERROR 1045|InvalidAccessKeyId|SignatureDoesNotMatch|ExpiredToken|security token included in the request is (?:invalid|expired)|token (?:has )?expired|expired (?:token|credentials)|invalid (?:username|password|credentials|token|api key|access key|secret)|Bad credentials|authentication failed|\\bauth failed\\b|AuthenticationFailed|认证失败|鉴权失败|密码错误|用户名或密码|令牌(?:已)?过期|Token已过期|AccessKey(?:(?!AccessKey).)*(?:无效|不存在|错误)|登录失败',
        ),
        3,
      ],
      [re('Access denied for user'), 2.5],
      // A user or password said to be wrong, a few words apart (not a column named `user` in a type error).
      [re('\\b(?:user ?(?:name|id)?|password|passwd|credentials?)(?: \\w+){0,3} (?:is |are |was |were )?(?:invalid|incorrect|wrong|rejected|not valid)\\b'), 3],
      [re('\\b(?:invalid|incorrect|wrong|bad) (?:\\w+ ){0,2}(?:user ?(?:name|id)?|password|passwd|credentials?)\\b'), 3],
      [re('\\bauthori[sz]ation failure|authentication fail'), 3],
      [re('\\b401\\b|Unauthorized|InvalidClientTokenId|credentials'), 2],
    ],
  },
  {
    id: 'permission',
    title: 'Permission, privilege or role missing',
    check: 'Check the grants of the user the job runs as on the object named (`SHOW GRANTS TO USER <user>`); ask the owner for the privilege or role.',
    signals: [
      [
        re(
          'permission denied for|insufficient privilege|must be owner of|ORA-01031|\\b42501\\b|does not have (?:the )?(?:required )?(?:permission|privilege)|not authorized to|is not allowed to|AuthorizationException|AccessDeniedException|SELECT command denied|INSERT command denied|command denied to user|no privilege|permission error|权限不足|没有权限|无权限|无权|拒绝访问|未授权|没有(?:(?!没有).)*权限',
        ),
        3,
      ],
      [re('AccessDenied|Access Denied|access denied|\\b403\\b|Forbidden|privilege|permission denied|Permission denied'), 2],
      // A hint to run a GRANT: the fix the tool itself names outranks the symptom it printed (ORA-00942).
      [near('\\b(?:HINT|please|try|run)\\b|需要|请', '\\bGRANT\\s+(?:SELECT|INSERT|UPDATE|DELETE|USAGE|ALL|CREATE|REPLICATION|FLASHBACK|READ|WRITE)\\b'), 3.5],
    ],
  },
  // ------------------------------------------------------------------ resources
  {
    id: 'resources.memory',
    title: 'Resources: out of memory',
    check: 'Give the job more memory (a larger VCluster, executor/driver memory, container limit) or make it read less at once (filter, partition, batch size).',
    signals: [
      [
        re(
          'OutOfMemoryError|out of memory|Memory limit exceeded|memory limit|exceeds? memory|GC overhead limit|MemoryError|Java heap space|Cannot allocate memory|exit code 137|SIGKILL|OOMKilled|\\bOOM\\b|Killed process|Container killed (?:(?!Container killed ).)*memory|内存不足|内存溢出|超出内存|内存超限|内存超过',
        ),
        3,
      ],
      [near('\\b(?:memory|mem)\\b', '\\bexceed'), 3],
      [near('\\bexceed', '\\b(?:memory|mem)\\b'), 3],
      [re('MEM_LIMIT_EXCEEDED|exec_mem_limit|overcommit mem|Cannot alloc\\b|Allocator sys memory'), 3],
      [near('\\b(?:reserve|allocate|allot)\\b', '\\b(?:heap|memory)\\b'), 3],
    ],
  },
  {
    id: 'resources.disk',
    title: 'Resources: disk full',
    check: 'Free space on the disk named (temporary and spill directories, logs), or give the job a larger disk.',
    signals: [[re('No space left on device|disk (?:is )?full|DiskFull|disk quota exceeded|not enough disk space|ENOSPC|磁盘空间不足|磁盘已满|磁盘满'), 3]],
    explains: ['not_found.storage', 'script.exit'],
  },
  {
    id: 'resources.quota',
    title: 'Resources: quota or limit exceeded',
    check: 'Check the quota the message names (account, project, API rate) and raise it, wait for it to reset, or spread the load.',
    signals: [
      [
        re(
          'QuotaExceeded|quota exceeded|over quota|exceeded (?:the |your )?quota|OVER_QUOTA|Rate exceeded|rate limit|Too Many Requests|\\b429\\b|SlowDown|Throttling|配额|超出限额|限流',
        ),
        3,
      ],
      // A count over its limit: `Too many parts (449)`, `too many open files`, `分区数过多`.
      [re('\\btoo many (?!(?:[a-z]+ )?(?:rows|records)\\b)[a-z]{3,}|过多'), 2],
      [re('limit exceeded|exceeded the limit|exceeds the limit'), 1],
    ],
  },
  {
    id: 'resources.compute',
    title: 'Resources: queue full, cluster suspended or out of capacity',
    check: 'Check the cluster/warehouse/queue the job runs on: resumed, large enough and not full (`DESC VCLUSTER <name>`); rerun when it has room.',
    signals: [
      [
        re(
          "queue (?:is )?full|\\bqueue(?:'s)? (?:(?!queue).)*(?:full|exceeded|limit)|(?:warehouse|cluster|vcluster|queue) (?:(?!warehouse|cluster|queue).)*(?:is )?(?:suspended|not available|unavailable|stopped|not running|paused)|insufficient resources?|resources? (?:are )?exhausted|too many connections|concurrency limit|max(?:imum)? concurrent|Too many concurrent|No available slots|队列已满|资源不足|集群(?:(?!集群).)*(?:已暂停|暂停|不可用|已停止)|并发(?:(?!并发).)*(?:超限|上限|超过)|计算资源",
        ),
        3,
      ],
      [re('suspended|capacity|资源'), 1],
    ],
  },
  // ------------------------------------------------------------------ connectivity
  {
    id: 'connectivity.tls',
    title: 'Connectivity: TLS/certificate or proxy failure',
    check: "Check the CA bundle and certificate the client trusts (`openssl s_client -connect host:port`), and the proxy settings (HTTPS_PROXY / NO_PROXY) of the job's runtime.",
    signals: [
      [
        re(
          'certificate verify failed|CERTIFICATE_VERIFY_FAILED|unable to get local issuer certificate|self[- ]signed certificate|PKIX path building failed|SSLHandshakeException|SSL routines|SSLError|TLS handshake|x509: certificate|ProxyError|Proxy Authentication Required|\\b407\\b|tunnel connection failed|证书验证失败|证书(?:(?!证书).)*(?:无效|过期|不受信任)|代理(?:(?!代理).)*(?:失败|错误)',
        ),
        3,
      ],
      [re('\\bSSL\\b|\\bTLS\\b|proxy|证书|代理'), 1],
    ],
  },
  {
    id: 'connectivity.network',
    title: 'Connectivity: host unreachable, refused, DNS or timeout',
    check: 'Check the host and port are right and reachable from where the job runs (`nc -vz host port`), DNS resolves, and the firewall/allow-list lets it in.',
    signals: [
      [
        re(
          'Connection refused|ECONNREFUSED|Operation timed out|SSL SYSCALL error|Could not resolve host|Name or service not known|UnknownHostException|getaddrinfo|nodename nor servname|Temporary failure in name resolution|Communications link failure|Connection reset|ECONNRESET|No route to host|Network is unreachable|connect timed out|Connection timed out|ETIMEDOUT|Read timed out|SocketTimeoutException|could not connect to server|Can.t connect to (?:MySQL )?server|Unable to connect|Failed to connect|连接超时|连接被拒绝|拒绝连接|无法连接|网络不可达|连接失败|连接中断|读取超时',
        ),
        3,
      ],
      [re('timed out|timeout|超时|connection'), 1],
    ],
  },
  // ------------------------------------------------------------------ data
  {
    id: 'data.dirty_rows',
    title: 'Data: dirty rows over the allowed limit',
    check: 'Look at the rejected rows the job kept (its dirty-data/error log): fix the source values or the column types, or raise the limit if they may be dropped.',
    signals: [
      [
        re(
          'error records? (?:(?!error records?).)*(?:exceed|limit)|errorLimit|max_filter_ratio|max bad records|Too many (?:errors|bad rows|rejected|filtered rows|(?:filtered|bad|invalid|dirty|error) records)|rejected rows? (?:(?!rejected rows?).)*(?:exceed|limit)|错误记录(?:(?!错误记录).)*超过',
        ),
        3,
      ],
      [near('(?:dirty (?:data|records?|rows?)|脏数据)', '(?:exceed|over|limit|threshold|超过|超出|阈值|预期|上限)'), 3],
      [re('dirty (?:data|records?|rows?)|脏数据'), 1.5],
    ],
  },
  {
    id: 'data.encoding',
    title: 'Data: encoding (not UTF-8)',
    check: 'Find the file or column that is not UTF-8 and convert it (`iconv -f GBK -t UTF-8`), or declare its real encoding to the reader.',
    // Rows of this kind are what a load filters out until it is over its limit.
    explains: ['data.dirty_rows'],
    signals: [
      [
        re(
          'UnicodeDecodeError|UnicodeEncodeError|invalid byte sequence|Malformed input|not valid UTF-?8|invalid (?:or unsupported )?UTF-?8|unsupported UTF-?8|UTF-?8 (?:codepoints?|sequence|characters?)|Incorrect string value|codec can.t decode|MalformedInputException|编码错误|乱码|字符集',
        ),
        3,
      ],
    ],
  },
  {
    id: 'data.duplicates',
    title: 'Data: duplicate keys or a failed uniqueness test',
    check: 'Find the duplicated key values (`SELECT key, COUNT(*) … GROUP BY key HAVING COUNT(*) > 1`) and fix them at the source or in the model that makes them.',
    signals: [
      [
        re(
          'Duplicate entry|duplicate key|unique constraint|UNIQUE constraint failed|violates unique|ORA-00001|\\b23505\\b|PRIMARY KEY constraint|主键冲突|唯一约束|唯一键冲突|重复键',
        ),
        3,
      ],
      [re('Failure in test unique_|test unique_|unique_combination_of_columns|not_null_|Got \\d+ results?, configured to fail'), 3],
      [near('\\bduplicate[ds]?\\b', '\\b(?:rows?|records?|keys?|entr(?:y|ies)|values?|primary)\\b'), 3],
      // MERGE: one target row matched by several source rows (the source has duplicate keys).
      [near('\\b(?:multiple|more than one|several) (?:source )?rows?\\b', '\\b(?:match|matched|modify|update)\\b'), 3],
      [re('at most one source row'), 3],
    ],
  },
  {
    id: 'data.schema_change',
    title: 'Data: schema changed on an incremental or synced target',
    check: 'Compare the new columns/types with the target; for a dbt incremental model set `on_schema_change` or rebuild with `--full-refresh`; for a sync, re-sync the table.',
    signals: [
      [near('\\bcolumn\\b', 'does not exist in \\S*__dbt_tmp'), 3.5],
      [re('not enough (?:data )?columns|too many (?:data )?columns'), 3],
      // A sink whose target table lacks fields the records now carry (`Table "x" is missing fields`).
      [near('\\btable\\b', '\\b(?:is missing|missing|lacks|has no) (?:the )?(?:fields|columns)\\b'), 3],
      [
        re(
          'on_schema_change|schema change|schema evolution|columns? (?:were |was )?added|column mismatch|Schema mismatch|number of columns|has \\d+ columns?,? but|column number/types are different|column count|列数不匹配|字段变更|表结构(?:变更|不一致)',
        ),
        3,
      ],
    ],
  },
  {
    id: 'data.no_partition',
    title: 'Data: no partition for a row',
    check: 'Create the partition the rows belong to (or a default one), or fix the partition key values.',
    // Rows of this kind are what a load filters out until it is over its limit.
    explains: ['data.dirty_rows'],
    signals: [
      [
        re(
          'no partition of relation (?:(?!no partition of relation).)* found for row|no partition for (?:this )?(?:value|tuple|row)|\\brows? (?:(?:couldn.t|could not|cannot|can.t|did not|didn.t) find|(?:has|have) no|without) (?:a |any |the )?(?:matching )?partition|Table has no partition for value|ORA-14400|inserted partition key does not map|没有对应的分区|无对应分区|没有为行找到关系(?:(?!没有为行找到关系).)*的分区',
        ),
        3,
      ],
    ],
  },
  {
    id: 'data.type',
    title: 'Data: a value does not fit its type (overflow, too long, bad format)',
    check: 'Find the row and column the message names and compare the value with the target type; widen the type in the target or clean the value upstream.',
    // Rows of this kind are what a load filters out until it is over its limit.
    explains: ['data.dirty_rows'],
    signals: [
      [
        re(
          'Data too long|value too long|too large for (?:column|type|field)|would be truncated|out of range|overflow|NumberFormatException|invalid input syntax for (?:type|integer)|Incorrect (?:integer|datetime|date|decimal|double) value|cannot cast|CAST_INVALID|ParseException: Unparseable|could not convert|cannot be converted to|can.t convert|invalid literal for int|数值溢出|类型不匹配|类型转换|不能转为|无法转换为|超出范围|数据过长',
        ),
        3,
      ],
      [re('type mismatch|incompatible types?|数据类型'), 2],
    ],
  },
  // ------------------------------------------------------------------ syntax
  {
    id: 'syntax',
    title: 'Syntax, dialect or unsupported feature',
    check: 'Open the statement at the line and column the message gives (Studio header lines shift it); check the dialect supports the construct.',
    signals: [
      [
        re(
          'syntax error|SyntaxError|ParseException|mismatched input|You have an error in your SQL syntax|ORA-00933|ORA-00936|\\b42601\\b|CZLH-42000|Parser Error|语法错误|解析错误|语法不正确',
        ),
        3,
      ],
      [re('not supported|unsupported|is not supported|UnsupportedOperation|unexpected token|no viable alternative|不支持'), 2],
      // "SQL compilation error:" (Snowflake), "Compilation Error in model" (dbt): a wrapper whose next words say which kind.
      // SQLSTATE 42000 is the whole class "syntax error or access rule violation".
      [re('Compilation Error|\\b42000\\b'), 2],
      [re('\\bunrecogni[sz]ed (?:\\w+ ){0,2}(?:data ?)?type\\b'), 2],
    ],
  },
];

/** The patterns of the taxonomy (checked for catastrophic backtracking by the tests). */
export const TAXONOMY_PATTERNS: readonly RegExp[] = CATEGORIES.flatMap((c) => c.signals.map(([r]) => r));

export interface Classification {
  category: Category;
  /** The weight of the signal that decided it (1–3). */
  weight: number;
}

/**
 * The category of a failure from its decisive lines: the strongest signal wins; between equals, the
 * line nearer the cause (the earlier of the decisive lines, before the wrappers) and then the
 * category listed first.
 */
export function classify(lines: readonly string[], context: readonly string[] = []): Classification | undefined {
  let best: { category: Category; weight: number; rank: number } | undefined;
  const found: { category: Category; weight: number }[] = [];
  // The decisive lines first, then the rest of the block that ended the run (nearest first): a
  // stronger signal in the block still wins (ORA-00942 above a vaguer ORA-04043).
  [...lines, ...[...context].reverse()].forEach((text, lineIndex) => {
    const t = text.length > 2000 ? text.slice(0, 2000) : text;
    CATEGORIES.forEach((category, ci) => {
      for (const [pattern, weight] of category.signals) {
        if (!pattern.test(t)) continue;
        const rank = weight * 10000 - lineIndex * 100 - ci;
        found.push({ category, weight });
        if (!best || rank > best.rank) best = { category, weight, rank };
      }
    });
  });
  if (!best) return undefined;
  // A cause seen in the same block at the same strength explains the symptom that was chosen.
  const symptom = best;
  const cause = found.find((f) => f.weight >= symptom.weight && f.category.explains?.includes(symptom.category.id));
  return cause ? { category: cause.category, weight: cause.weight } : { category: best.category, weight: best.weight };
}

export function categoryById(id: string): Category | undefined {
  return CATEGORIES.find((c) => c.id === id);
}
