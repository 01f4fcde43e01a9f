/**
 * One error type for everything that goes wrong talking to Studio.
 */

export type StudioErrorKind =
  /** Studio answered with a non-success envelope `code`. */
  | 'business'
  /** Studio answered with an HTTP error status. */
  | 'http'
  /** The connection failed or was dropped. */
  | 'network'
  /** No answer within the per-request timeout. */
  | 'timeout'
  /** The answer was not what the protocol says (bad JSON, wrong shape). */
  | 'protocol'
  /** Login or workspace resolution failed. */
  | 'auth';

export interface StudioErrorInit {
  kind: StudioErrorKind;
  /** Studio's own code (`code` in the envelope) or `HTTP_<status>`, `TIMEOUT`, `NETWORK`, … */
  code: string;
  message: string;
  httpStatus?: number;
  path: string;
  requestId: string;
  /**
   * True when a write may have taken effect even though we saw a failure (timeout, dropped
   * connection, 5xx after the body was sent). The caller must re-read state before trying again.
   */
  outcomeUnknown?: boolean;
  cause?: unknown;
}

export class StudioError extends Error {
  readonly kind: StudioErrorKind;
  readonly code: string;
  readonly httpStatus: number | undefined;
  readonly path: string;
  readonly requestId: string;
  readonly outcomeUnknown: boolean;

  constructor(init: StudioErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'StudioError';
    this.kind = init.kind;
    this.code = init.code;
    this.httpStatus = init.httpStatus;
    this.path = init.path;
    this.requestId = init.requestId;
    this.outcomeUnknown = init.outcomeUnknown ?? false;
  }

  /** One line fit for a person: Studio's code and message, and the request id to quote. */
  describe(): string {
    const status = this.httpStatus ? ` (HTTP ${this.httpStatus})` : '';
    return `Studio ${this.code}${status}: ${this.message} [request ${this.requestId}]`;
  }

  toJSON() {
    return {
      name: this.name,
      kind: this.kind,
      code: this.code,
      message: this.message,
      httpStatus: this.httpStatus,
      path: this.path,
      requestId: this.requestId,
      outcomeUnknown: this.outcomeUnknown,
    };
  }
}

export function isStudioError(e: unknown): e is StudioError {
  return e instanceof StudioError;
}

/** A name or id that does not lead to exactly one task. */
export class TaskLookupError extends Error {
  constructor(
    readonly reason: 'not_found' | 'ambiguous',
    readonly query: string,
    /** Close matches (not_found) or every exact match (ambiguous). */
    readonly candidates: { id: number; name: string; folder?: string }[],
  ) {
    super(TaskLookupError.text(reason, query, candidates));
    this.name = 'TaskLookupError';
  }

  private static text(reason: 'not_found' | 'ambiguous', query: string, candidates: { id: number; name: string; folder?: string }[]) {
    const list = candidates.map((c) => `${c.name} (id ${c.id}${c.folder ? `, folder ${c.folder}` : ''})`).join(', ');
    if (reason === 'ambiguous') {
      const eg = candidates.find((c) => c.folder);
      return `"${query}" matches ${candidates.length} tasks: ${list}. Name the folder${eg ? ` (e.g. ${eg.folder}/${eg.name})` : ''} or use the task id.`;
    }
    return candidates.length > 0 ? `No task named "${query}". Did you mean: ${list}?` : `No task named "${query}", and no task has a similar name.`;
  }
}
