/**
 * Which of Studio's answers to a write prove that the write was *not* done.
 *
 * Studio's HTTP API answers business errors with HTTP 200 and a non-success envelope `code`
 * (studio-api.md). The public cz-cli treats every such code alike (it throws and lets the caller
 * decide), and Studio publishes no list of codes. Some codes name a precondition that Studio checks
 * before it writes anything — an object that does not exist, an invalid parameter, a state that
 * forbids the operation: those prove a refusal, and the person may correct and try again. Any other
 * code — `SYSTEM_ERROR`, "internal", a code we have never seen — proves nothing: Studio may have
 * applied the write before it failed. Such an outcome is unknown and is verified by re-reading
 * Studio's state, exactly as a timeout is; it is never reported as a refusal, so nobody is invited
 * to send the write a second time.
 *
 * HTTP statuses: 400, 403, 404, 409, 422 are final (studio-api.md, cz-cli's NON_RETRYABLE_STATUS)
 * and 429 means the request was not taken; every 4xx is a refusal, every 5xx unknown.
 */

/**
 * Envelope codes that prove a write was refused before anything changed. Sources: the seeds and
 * knowledge-sources.md (`SCHEDULE_TASK_HAD_CHILDREN_NODES_EXCEPTION`, the account codes), the
 * login codes of studio-api.md, and the precondition codes the sandbox answers for the writes
 * the bot makes (each checks its input or the object's state before writing).
 */
export const REFUSAL_CODES: ReadonlySet<string> = new Set([
  // Input and identity
  'PARAM_ERROR',
  'AUTH_FAILED',
  'INSTANCE_NOT_FOUND',
  'PROJECT_NOT_EXIST',
  'WORKSPACE_NOT_EXIST',
  // The object the write names does not exist
  'TASK_INSTANCE_NOT_EXIST',
  'DATA_FILE_NOT_EXIST',
  'DATA_FOLDER_NOT_EXIST',
  'SCHEDULE_TASK_NOT_EXIST',
  'EXECUTE_LOG_NOT_EXIST',
  'FILE_VERSION_NOT_EXIST',
  'DEPENDENCY_NOT_EXIST',
  // The object's state or configuration forbids it
  'RERUN_NOT_ALLOWED',
  'INSTANCE_STATUS_NOT_ALLOW_RERUN',
  'INSTANCE_STATUS_NOT_ALLOW_KILL',
  'SCHEDULE_TASK_NOT_ONLINE',
  'SCHEDULE_TASK_HAD_CHILDREN_NODES_EXCEPTION',
  'DATA_FILE_IS_ONLINE',
  'DATA_FILE_HAS_DOWNSTREAM',
  'DATA_FOLDER_NOT_EMPTY',
  'UPSTREAM_NOT_PUBLISHED',
  'CIRCULAR_DEPENDENCY',
  'DEPENDENCY_SELF',
  'MAPPING_NOT_CONFIGURED',
  'VCLUSTER_TYPE_NOT_SUPPORTED',
  'FILE_TYPE_NOT_SUPPORT',
  // Invalid values
  'CRON_EXPRESSION_INVALID',
  'COMPLEMENT_RANGE_TOO_LARGE',
  'DATA_FOLDER_NAME_DUPLICATE',
  'DATA_FILE_NAME_DUPLICATE',
  // Studio's pre-deploy check said no (the bot raises it before deploying)
  'PRECHECK_FAILED',
  // The account may not run anything (knowledge-sources.md)
  'GATEWAY_TENANT_OVERDUE',
  'GATEWAY_TENANT_OVER_QUOTA',
  'CZLH-60029',
]);

/** Does Studio's business `code` prove that a write was not done? Unknown codes do not. */
export function provesRefusal(code: string): boolean {
  return REFUSAL_CODES.has(code.trim().toUpperCase());
}
