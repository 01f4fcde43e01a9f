/** The shapes the operations path shares: who acts, what they asked, what they were told, and its limits. */
import type { Remote } from '../store/remote.js';
import type { AuditLog, AuditSource } from '../store/audit.js';
import type { OperationRecord, OperationStore } from '../store/operations.js';
import type { OperationOutcomes } from '../store/outcomes.js';
import type { StudioClient } from '../studio/client.js';
import type { Run, TaskSummary } from '../studio/models.js';
import type { Policy, Role } from './policy.js';
import type { LakehouseSql } from '../lakehouse/client.js';

export interface Actor {
  userId: string;
  userName?: string;
  teamId?: string;
  channelId?: string;
  source: AuditSource;
}

/** The person who asked for an operation, acting through `source` (the operation runs as theirs once approved). */
export function requesterOf(op: { requestedBy: string; requestedByName: string | null; teamId: string | null; channelId: string | null }, source: AuditSource): Actor {
  return { userId: op.requestedBy, userName: op.requestedByName ?? undefined, teamId: op.teamId ?? undefined, channelId: op.channelId ?? undefined, source };
}

/** A new operation record's requester fields, from the person asking. */
export function requesterFields(actor: Actor): { requestedBy: string; requestedByName: string | null; teamId: string | null; channelId: string | null; source: AuditSource } {
  return { requestedBy: actor.userId, requestedByName: actor.userName ?? null, teamId: actor.teamId ?? null, channelId: actor.channelId ?? null, source: actor.source };
}

/** Where to tell the person how their operation ended later (opaque to the core). */
export interface ReplyHandle {
  channelId?: string;
  messageTs?: string;
  responseUrl?: string;
}

export interface Directory {
  /** User groups the user belongs to (for policy grants by group). */
  groupsOf(userId: string): Promise<string[]>;
}

export type RefusalReason = 'permission' | 'channel' | 'invalid' | 'state' | 'not_found' | 'expired' | 'two_person';

export interface Refusal {
  kind: 'refused';
  reason: RefusalReason;
  message: string;
}

export interface Confirmation {
  kind: 'confirm';
  op: OperationRecord;
  title: string;
  details: string[];
  /** Where to see it in Studio (none for a Lakehouse object). */
  link?: string;
}

export interface OpOutcome {
  kind: 'done';
  op: OperationRecord;
  status: 'succeeded' | 'failed' | 'unknown';
  message: string;
  link: string | undefined;
  runId?: number;
  jobId?: number;
  studioRequestId?: string;
  /** This answer repeats the first result of an identical operation (double click, retry). */
  duplicate: boolean;
}

export interface BackfillInput {
  task: string;
  from: string;
  to: string;
  vcCode?: string;
  /** The alert card the backfill was started from. */
  cardId?: number;
}

export interface BackfillPreview {
  kind: 'preview';
  task: TaskSummary;
  folder: string | undefined;
  from: string;
  to: string;
  dates: string[];
  vcCode: string | undefined;
  downstream: { taskId: number; name: string }[];
  conflicts: Run[];
  role: Role;
  limitDays: number;
  needsApproval: boolean;
  link: string;
}

/** Several runs rerun as one request (a storm's roots of one cause, a card's blocked downstream runs). */
export interface BulkRerunOrigin {
  /** What the runs are, for people: "the failed roots of VCluster queue full". */
  label: string;
  digestId?: number;
  cardId?: number;
  /** The alert card of each run, so each rerun is recorded on its card. */
  cardOfRun?: Record<number, number>;
}

export interface AwaitingBulkApproval {
  kind: 'bulk_approval';
  op: OperationRecord;
  title: string;
  details: string[];
  approvers: { users: string[]; groups: string[] };
}

/** Runs a bulk request may cover at most. */
export const BULK_RERUN_MAX_RUNS = 500;

export interface AwaitingApproval {
  kind: 'approval';
  op: OperationRecord;
  preview: BackfillPreview;
  /** Who can approve it: the admins for the task other than the requester (users, and user groups). */
  approvers: { users: string[]; groups: string[] };
}

export interface OperationsDeps {
  studio: StudioClient;
  audit: Remote<AuditLog>;
  ops: Remote<OperationStore>;
  /** How an operation ended, recorded in one transaction (src/store/outcomes.ts). */
  outcomes: Remote<OperationOutcomes>;
  policy: Policy;
  directory?: Directory;
  now?: () => number;
  /** Identical operations within this window answer with the first result. */
  windowMs?: number;
  /** How long a Confirm button stays valid. */
  confirmTtlMs?: number;
  /** How long an approval request stays valid. */
  approvalTtlMs?: number;
  /**
   * How long after a write was sent Studio may still apply it. Until then a re-read that shows
   * nothing proves nothing (the write may still land); after it, it proves the write did not land.
   */
  settleAfterMs?: number;
  /** Waiting for another operation's write on the same target, at most (real time). */
  targetWaitMs?: number;
  /** Lakehouse SQL, for REFRESH DYNAMIC TABLE (the one write the bot makes through SQL). */
  lakehouse?: LakehouseSql;
}

/** Told when an operation whose outcome was unknown is settled by verification (to tell the person). */
export type VerifiedListener = (op: OperationRecord, outcome: OpOutcome, reply: ReplyHandle) => void | Promise<void>;

/** A backfill may never cover more than this many business dates, whatever the role. */
export const BACKFILL_HARD_LIMIT_DAYS = 366;

export type Params = Record<string, unknown>;

export type SendResult = Omit<OpOutcome, 'kind' | 'op' | 'duplicate' | 'studioRequestId'> & { requestId?: string };

export type OutcomeListener = (op: OperationRecord, outcome: OpOutcome, actor: Actor) => void;
