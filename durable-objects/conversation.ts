/**
 * One customer thread (one per channel × contact): the source of truth for its messages, their
 * order and statuses, the dedupe set, the reply lock, the 24-hour window, the outbox and the
 * timers. A single writer per thread gives ordering and exactly-once effects without locks.
 *
 * After every change it bumps `version`, writes its row of the D1 conversation index (guarded by
 * that version) and publishes live events through the Hub. Report facts and search rows are kept
 * in its own SQLite with the change and shipped to D1 through the DEFERRED queue after the answer
 * (worker/reports/deferred.ts), never on a webhook's acknowledgement path. Timers share the one
 * alarm through the `timers` table; every handler is idempotent because alarms are at-least-once.
 */
import { DurableObject } from "cloudflare:workers";
import type { Activity, ConversationStatus, MessageStatus } from "../worker/contracts/api";
import type { LiveEvent } from "../worker/contracts/events";
import type { Env } from "../worker/env";
import { newId } from "../worker/ids";
import { offerWaitingConversations } from "../worker/services/assignment-queue";
import { decideAssignment, type AssignmentDecision } from "../worker/services/auto-assign";
import { callbackDataFor } from "../worker/services/conversation-id";
import { writeConversationIndex } from "../worker/services/conversation-index";
import { ReportRecorder } from "../worker/reports/recorder";
import { MAX_MESSAGE_BYTES, type DeferredWrite } from "../worker/reports/deferred";
import { notify, type NotifyInput } from "../worker/services/notifications";
import { decodeCursor, encodeCursor } from "../worker/services/cursor";
import { explainMetaError, RETRIES_EXHAUSTED, type ErrorExplanation } from "../worker/whatsapp/error-sentences";
import { buildSendPayload, DEFAULT_GRAPH_API_URL, GraphClient, type SendOutcome } from "../worker/whatsapp/graph-client";
import type { InboundMessageData, MetaError, StatusData } from "../worker/whatsapp/normalise";
import type { MessageContent, Reaction } from "../worker/contracts/whatsapp";
import { accessTokenFor } from "../worker/services/channel-tokens";
import { fetchMediaIntoR2, mediaKey } from "../worker/services/media";
import { PAIR_RATE_MIN_DELAY_MS, pairRateSlot, rateLimitBackoff } from "../worker/whatsapp/rate-limits";
import {
  previewOf,
  toIndexRow,
  toMessage,
  toSummary,
  type MessageRow,
  type OutboxRow,
  type PendingStatusRow,
  type ThreadRow,
} from "./conversation/rows";
import { migrate } from "./conversation/schema";
import { shouldApplyStatus, statusOrder } from "./conversation/status-order";
import type {
  AssignInput,
  AssignResult,
  ConversationSummary,
  IngestInput,
  IngestResult,
  MessagePage,
  NoteInput,
  NoteResult,
  Person,
  SendInput,
  SendResult,
  StatusInput,
  StatusResult,
  ThreadIdentity,
} from "./conversation/types";

const HOUR = 60 * 60 * 1000;
/** Customer-service window after an inbound message. */
export const WINDOW_MS = 24 * HOUR;
/**
 * The free entry point window (issue 5): a thread that began from a click-to-WhatsApp ad or a
 * post (the message carries a `referral`) and was answered within 24 hours is free for 72 hours
 * from that answer. Free-form messages still need the 24-hour customer-service window; templates
 * are free until it ends. (Meta, "Pricing: free entry point window".)
 */
export const AD_WINDOW_MS = 72 * HOUR;
/** The holder of a thread hears this long before its 24-hour window closes (issue 5); WINDOW_WARNING_MINUTES changes it. */
export const WINDOW_WARNING_MS = HOUR;

/**
 * The closing-soon lead time from the `WINDOW_WARNING_MINUTES` var (1 to 1,380 minutes — within
 * the 24-hour window); unset or not a whole number in range → one hour.
 */
export function windowWarningMs(setting: string | undefined): number {
  const minutes = Number(setting);
  return Number.isInteger(minutes) && minutes >= 1 && minutes <= 23 * 60 ? minutes * 60_000 : WINDOW_WARNING_MS;
}
/** A send waits inline for its rate slot up to this long; longer, it goes back to the outbox. */
const MAX_INLINE_RATE_WAIT_MS = 2_000;
/** After a 131056 (pair rate limit), the thread's sends stay at least 6 s apart for this long. */
const PAIR_PACING_MS = 60_000;
/** Inbound media still to fetch into R2 is retried this many times (about 2.5 hours), then failed. */
export const MAX_MEDIA_ATTEMPTS = 12;
/**
 * A row left in "sending" (the DO died, or the call's answer was lost) is retried only after this
 * delay. Meta may have accepted the message: its first status webhook carries our callback data
 * (conversation id + message id) and reconciles the row — no second send. If no status comes in
 * time we retry, accepting a rare duplicate over a lost message (the Graph API has no
 * idempotency key of its own). Must stay above GRAPH_TIMEOUT_MS so a live call is never retried.
 */
export const SENDING_GRACE_MS = 30_000;
const GRAPH_TIMEOUT_MS = 15_000;
/** Temporary failures (429, 5xx, network) are retried this many times in all, then failed. */
export const MAX_SEND_ATTEMPTS = 8;

/** 5 s, 15 s, 45 s, … capped at 15 min (about an hour across all attempts). */
export function retryDelay(attempts: number): number {
  return Math.min(5_000 * 3 ** Math.max(0, attempts - 1), 15 * 60 * 1000);
}

/** Media fetch backoff: 5 s, 10 s, 20 s, … capped at 30 min. */
export function mediaRetryDelay(attempts: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, attempts - 1), 30 * 60 * 1000);
}

/** How long a status waits for its message (its wamid) to appear. */
const PENDING_STATUS_TTL_MS = 7 * 24 * HOUR;

/**
 * A thread that starts waiting for automatic assignment sets this timer before anything else, so a
 * decision lost in a crash is retried; while nobody is free it retries with backoff (1, 2, 4, … up
 * to 15 min) besides being offered when someone comes online or a slot frees.
 */
export const ASSIGN_RETRY_MS = 60_000;
const ASSIGN_RETRY_MAX_MS = 15 * 60 * 1000;

/** 'deferred' (and 'search', from before issue 7): ship report facts and search rows again. */
type TimerKind = "window" | "outbox" | "index_sync" | "snooze" | "assign" | "search" | "deferred" | "media" | "window_warn";

/** A failed shipment of deferred writes is tried again after this long. */
const DEFERRED_RETRY_MS = 30_000;
/** Search rows per deferred message (texts are long; the byte budget usually ends it first). */
const SEARCH_ROWS_PER_MESSAGE = 50;
/** Search text is indexed up to this many characters (worker/services/search-index.ts). */
const MAX_SEARCH_CHARS = 10_000;
const utf8 = new TextEncoder();

/** Statuses in which a thread needs (and counts toward the capacity of) an agent. */
const ACTIVE_STATUSES: readonly ConversationStatus[] = ["open", "pending"];

export class ConversationDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** When the alarm is set for (mirrors storage; null: none). */
  private armedAt: number | null = null;
  /** Outbox rows whose Graph call is running in this instance right now. */
  private readonly inFlight = new Set<string>();
  /** Live events leave in order, one batch after the other. */
  private publishChain: Promise<void> = Promise.resolve();
  /**
   * An automatic-assignment decision is in flight (worker/services/auto-assign.ts): it has
   * reserved an agent in the D1 row, which other index writes must keep until it is adopted.
   */
  private deciding = false;
  /** Report facts of every change (issue 6, worker/reports/recorder.ts), shipped through the DEFERRED queue. */
  private readonly reports: ReportRecorder;
  /** A shipment of deferred writes is running (one at a time); `shipAgain`: more arrived meanwhile. */
  private shipping: Promise<void> | null = null;
  private shipAgain = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.reports = new ReportRecorder(this.sql);
    void ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage);
      this.reports.migrate();
      const stored = this.meta("alarm_at");
      this.armedAt = stored === null ? null : Number(stored);
      // The last instance may have died between storing a change and shipping its deferred writes.
      if (this.hasDeferred()) {
        this.setTimer("deferred", "ship", Date.now());
        this.rearm();
      }
    });
  }

  // ---- RPC ------------------------------------------------------------------------------------

  /**
   * Store inbound messages and delivery statuses from one webhook (all for this thread). Returns
   * once they are durable; a duplicate wamid changes nothing; a status for a wamid not known yet
   * is kept and applied when the message appears.
   */
  async ingest(input: IngestInput): Promise<IngestResult> {
    const now = Date.now();
    const result: IngestResult = { stored: 0, duplicates: 0, statusesApplied: 0, statusesPending: 0, skipped: 0 };
    const events: LiveEvent[] = [];
    const holderBefore = this.thread()?.assignee_id ?? null;
    this.ctx.storage.transactionSync(() => {
      if (input.identity) this.saveIdentity(input.identity, now);
      const known = this.thread() !== null;
      for (const item of input.items) {
        if (!known) result.skipped++;
        else if (item.kind === "message") this.storeInbound(item.message, now, result, events);
        else this.storeStatus(item.status, item.messageId, now, result, events);
      }
    });
    this.rearm();
    // A new thread (or episode) waiting for an agent: the assignment decision rides on the index
    // write that follows every change (one D1 round trip either way), see decide().
    if (events.length) await this.afterChange(events);
    // The holder hears of new messages (one who got the thread just now was told "assigned").
    const thread = this.thread();
    if (result.stored > 0 && thread?.assignee_id && thread.assignee_id === holderBefore) {
      this.notifyLater({
        userId: thread.assignee_id,
        kind: "new_message",
        conversationId: thread.conversation_id,
        preview: thread.last_message_preview ?? "",
      });
    }
    return result;
  }

  /**
   * Send a reply. Checks, in order: Idempotency-Key replay, the reply lock (the assignee sends;
   * an unassigned thread is claimed by its first sender; an agent who is not the holder is
   * refused; an owner or manager takes over), the window (free-form text needs it open). Then the
   * message and its outbox row are written before the Graph API is called.
   *
   * Idempotency: the key is scoped to this thread. The same key with the same author and content
   * returns the first message (never a second send); the same key with anything else is refused
   * as `idempotency_conflict` (409) — returning a different message than was asked for would hide
   * a client bug.
   */
  async send(input: SendInput): Promise<SendResult> {
    const now = Date.now();
    const thread = this.thread();
    if (!thread) return { ok: false, reason: "not_found" };
    const fingerprint = JSON.stringify([input.author.id, input.content]);
    if (input.idempotencyKey) {
      const existing = this.one<MessageRow>("SELECT * FROM messages WHERE idempotency_key = ?", input.idempotencyKey);
      if (existing) {
        return existing.request_fingerprint === fingerprint
          ? { ok: true, message: toMessage(existing, thread.conversation_id), replayed: true }
          : { ok: false, reason: "idempotency_conflict" };
      }
    }
    const holder = thread.assignee_id;
    if (holder && holder !== input.author.id && input.author.role === "agent") {
      return { ok: false, reason: "locked", holder: { id: holder, name: thread.assignee_name ?? "" } };
    }
    // Only an approved template may go outside the window; every free-form kind (text, media,
    // interactive, location) needs it open (issue 5).
    if (input.content.kind !== "template" && !(thread.window_ends_at !== null && thread.window_ends_at > now)) {
      return { ok: false, reason: "window_closed", windowEndsAt: thread.window_ends_at };
    }

    const id = input.messageId ?? newId("msg");
    const events: LiveEvent[] = [];
    let aheadInLine = false;
    const author: Person = { id: input.author.id, name: input.author.name };
    const previous: Person | null = holder ? { id: holder, name: thread.assignee_name ?? "" } : null;
    this.ctx.storage.transactionSync(() => {
      aheadInLine = this.one("SELECT 1 AS x FROM outbox LIMIT 1") !== null;
      if (holder !== input.author.id) {
        // Replying claims an unassigned thread; a Manager's or Owner's reply takes it over. Both
        // are recorded in the thread, before the reply they come with.
        this.setAssignee(author, now);
        this.addActivity(
          previous
            ? { kind: "taken_over", actor: author, assignee: author, previousAssignee: previous }
            : { kind: "assigned", actor: author, assignee: author, previousAssignee: null },
          now,
          events,
        );
      }
      const template =
        input.content.kind === "template"
          ? JSON.stringify({
              name: input.content.name,
              language: input.content.language,
              parameters: input.content.parameters,
            })
          : null;
      this.sql.exec(
        `INSERT INTO messages (id, seq, wamid, direction, type, text, template, timestamp, status, status_at,
           author_id, author_name, idempotency_key, request_fingerprint, created_at, updated_at)
         VALUES (?, ?, NULL, 'out', ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?)`,
        id,
        this.nextSeq(),
        input.content.kind,
        input.text,
        template,
        now,
        now,
        input.author.id,
        input.author.name,
        input.idempotencyKey,
        fingerprint,
        now,
        now,
      );
      this.reports.onOutbound(id);
      if (input.display) this.sql.exec("UPDATE messages SET content = ? WHERE id = ?", this.outboundContentJson(input.display, input.content), id);
      if (input.text) this.sql.exec("INSERT INTO search_pending (message_id) VALUES (?)", id);
      const payload = buildSendPayload(
        { waId: thread.wa_id, userId: thread.user_id },
        input.content,
        callbackDataFor(thread.conversation_id, id),
      );
      this.sql.exec(
        "INSERT INTO outbox (message_id, state, attempts, next_attempt_at, payload) VALUES (?, 'queued', 0, ?, ?)",
        id,
        now,
        JSON.stringify(payload),
      );
      // Replying is reading: the agent has seen what the customer wrote.
      this.sql.exec("UPDATE thread SET unread_count = 0");
      this.setLastMessage(now, previewOf(input.text || null, input.content.kind), "out");
      this.openFreeEntry(now);
      events.push(this.messageEvent("message.created", id, now));
    });
    // Earlier messages still waiting in the outbox go first: the customer reads replies in order.
    if (aheadInLine) this.scheduleOutbox();
    else events.push(...(await this.attempt(id)));
    await this.afterChange(events);
    if (previous && previous.id !== input.author.id) this.slotFreed(previous.id);
    const stored = this.one<MessageRow>("SELECT * FROM messages WHERE id = ?", id)!;
    return {
      ok: true,
      message: toMessage(stored, thread.conversation_id),
      replayed: false,
      ...(previous && previous.id !== input.author.id ? { tookOver: previous } : {}),
    };
  }

  /** Reset the unread count (an agent opened the thread). Null when the thread does not exist. */
  async markRead(): Promise<ConversationSummary | null> {
    const thread = this.thread();
    if (!thread) return null;
    if (thread.unread_count === 0) return toSummary(thread);
    const now = Date.now();
    this.sql.exec("UPDATE thread SET unread_count = 0");
    this.bump(now);
    await this.afterChange([]);
    return toSummary(this.thread()!);
  }

  /** This thread as the list shows it; null when it does not exist. */
  async summary(): Promise<ConversationSummary | null> {
    const thread = this.thread();
    return thread ? toSummary(thread) : null;
  }

  /**
   * Drop `userId` as assignee (they were deactivated): the thread goes back to the queue and its
   * reply lock is free. `actor` is who did it (kept on the thread for the audit of who released
   * it). False when `userId` was not the assignee (already released, or someone else holds it).
   */
  async releaseAssignee(userId: string, actor: { id: string; name: string }): Promise<boolean> {
    const thread = this.thread();
    if (!thread || thread.assignee_id !== userId) return false;
    const now = Date.now();
    const events: LiveEvent[] = [];
    this.ctx.storage.transactionSync(() => {
      this.setAssignee(null, now);
      this.setMeta("last_release", JSON.stringify({ userId, by: actor, at: now }));
      this.addActivity(
        { kind: "unassigned", actor: { id: actor.id, name: actor.name }, previousAssignee: { id: userId, name: thread.assignee_name ?? "" } },
        now,
        events,
      );
      // Back to the queue: automatic assignment (if the team or channel has it) picks someone else.
      if (ACTIVE_STATUSES.includes(thread.status)) this.startWaiting(now);
    });
    this.rearm();
    await this.afterChange(events);
    return true;
  }

  /**
   * Change who holds the thread (assignment routes, claim, bulk assignment). The rules are decided
   * here, against the thread's current state, so concurrent requests cannot both win:
   * - an Agent may take a thread nobody holds (claim, or assign to themselves) and let go of their
   *   own; a thread someone else holds answers `locked` naming the holder; assigning anyone else,
   *   reassigning, or moving it to another team is `forbidden`;
   * - a Manager or Owner may do all of it.
   * Every change is recorded in the thread as an activity item and pushed live. A thread put in a
   * team's queue with nobody holding it is offered to automatic assignment.
   */
  async assign(input: AssignInput): Promise<AssignResult> {
    const thread = this.thread();
    if (!thread) return { ok: false, reason: "not_found" };
    const actor: Person = { id: input.actor.id, name: input.actor.name };
    const isAgent = input.actor.role === "agent";
    const holder: Person | null = thread.assignee_id ? { id: thread.assignee_id, name: thread.assignee_name ?? "" } : null;
    const target: Person | null = input.mode === "claim" ? actor : input.assignee;
    const teamChanges = input.team !== undefined && (input.team?.id ?? null) !== thread.team_id;

    if (isAgent) {
      if (teamChanges) return { ok: false, reason: "forbidden", message: "Only a Manager or Owner can move a conversation to another team." };
      if (target && target.id !== actor.id) return { ok: false, reason: "forbidden", message: "Only a Manager or Owner can assign a conversation to someone else." };
      if (holder && holder.id !== actor.id) {
        return target ? { ok: false, reason: "locked", holder } : { ok: false, reason: "forbidden", message: "Only a Manager or Owner can unassign someone else." };
      }
    }

    const assigneeChanges = (target?.id ?? null) !== (holder?.id ?? null);
    if (!assigneeChanges && !teamChanges) {
      return { ok: true, conversation: toSummary(thread), changed: false, previousAssignee: holder, reassigned: false };
    }
    const now = Date.now();
    const events: LiveEvent[] = [];
    this.ctx.storage.transactionSync(() => {
      if (teamChanges) {
        this.sql.exec("UPDATE thread SET team_id = ?, team_name = ?", input.team?.id ?? null, input.team?.name ?? null);
      }
      if (assigneeChanges) this.setAssignee(target, now);
      const team = teamChanges ? (input.team ?? null) : undefined;
      this.addActivity(
        target || (team ?? null) !== null
          ? { kind: "assigned", actor, assignee: target, previousAssignee: holder, ...(team !== undefined ? { team } : {}) }
          : { kind: "unassigned", actor, previousAssignee: holder, ...(team !== undefined ? { team } : {}) },
        now,
        events,
      );
      // Put in a team's queue with nobody holding it: automatic assignment may pick someone.
      if (!target && teamChanges && input.team && ACTIVE_STATUSES.includes(thread.status)) this.startWaiting(now);
    });
    this.rearm();
    await this.afterChange(events);
    if (holder && assigneeChanges) this.slotFreed(holder.id);
    if (target && assigneeChanges && target.id !== actor.id) {
      this.notifyLater({ userId: target.id, kind: "assigned", conversationId: thread.conversation_id, actor, preview: thread.last_message_preview ?? "" });
    }
    return {
      ok: true,
      conversation: toSummary(this.thread()!),
      changed: true,
      previousAssignee: holder,
      reassigned: holder !== null && assigneeChanges && holder.id !== actor.id,
    };
  }

  /**
   * Set the thread's status. An Agent may change it on a thread they hold or nobody holds (someone
   * else's: `locked`). snoozed needs `until` in the future and wakes from the alarm (or when the
   * customer writes); closed keeps an optional note and category. Recorded in the thread.
   */
  async changeStatus(input: StatusInput): Promise<StatusResult> {
    const thread = this.thread();
    if (!thread) return { ok: false, reason: "not_found" };
    if (input.actor.role === "agent" && thread.assignee_id && thread.assignee_id !== input.actor.id) {
      return { ok: false, reason: "locked", holder: { id: thread.assignee_id, name: thread.assignee_name ?? "" } };
    }
    const now = Date.now();
    const until = input.status === "snoozed" ? (input.until ?? null) : null;
    if (input.status === "snoozed" && (until === null || until <= now)) return { ok: false, reason: "snooze_in_past" };
    const note = input.status === "closed" ? (input.note || null) : null;
    const category = input.status === "closed" ? (input.category || null) : null;
    const unchanged =
      thread.status === input.status &&
      (input.status !== "snoozed" || thread.snoozed_until === until) &&
      (input.status !== "closed" || (thread.close_note === note && thread.close_category === category));
    if (unchanged) return { ok: true, conversation: toSummary(thread), changed: false };

    const actor: Person = { id: input.actor.id, name: input.actor.name };
    const events: LiveEvent[] = [];
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        `UPDATE thread SET status = ?1, snoozed_until = ?2,
           closed_at = CASE WHEN ?1 = 'closed' THEN coalesce(CASE WHEN status = 'closed' THEN closed_at END, ?3) END,
           close_note = ?4, close_category = ?5`,
        input.status,
        until,
        now,
        note,
        category,
      );
      if (until !== null) this.setTimer("snooze", "wake", until);
      else this.clearTimer("snooze", "wake");
      // A closed or snoozed thread needs nobody now: it stops waiting for automatic assignment.
      if (!ACTIVE_STATUSES.includes(input.status)) this.stopWaiting();
      this.addActivity(
        {
          kind: "status_changed",
          actor,
          status: input.status,
          ...(input.status === "snoozed" ? { until } : {}),
          ...(input.status === "closed" ? { note, category } : {}),
        },
        now,
        events,
      );
    });
    this.rearm();
    await this.afterChange(events);
    const freesSlot = thread.assignee_id && ACTIVE_STATUSES.includes(thread.status) && !ACTIVE_STATUSES.includes(input.status);
    if (freesSlot) this.slotFreed(thread.assignee_id!);
    return { ok: true, conversation: toSummary(this.thread()!), changed: true };
  }

  /**
   * An internal note: a thread item only the team sees, never sent to the customer. It does not
   * change the list's last message, unread count or the reply lock.
   */
  async addNote(input: NoteInput): Promise<NoteResult> {
    const thread = this.thread();
    if (!thread) return { ok: false, reason: "not_found" };
    const now = Date.now();
    const id = newId("msg");
    const events: LiveEvent[] = [];
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        `INSERT INTO messages (id, seq, wamid, direction, type, text, timestamp, status, status_at, author_id, author_name,
           mentions, episode, created_at, updated_at)
         VALUES (?, ?, NULL, 'internal', 'note', ?, ?, 'sent', ?, ?, ?, ?, ?, ?, ?)`,
        id,
        this.nextSeq(),
        input.text,
        now,
        now,
        input.author.id,
        input.author.name,
        JSON.stringify({ userIds: input.mentions.userIds, teamIds: input.mentions.teamIds }),
        thread.episode,
        now,
        now,
      );
      this.sql.exec("INSERT INTO search_pending (message_id) VALUES (?)", id);
      events.push(this.messageEvent("message.created", id, now));
    });
    await this.afterChange(events);
    const stored = this.one<MessageRow>("SELECT * FROM messages WHERE id = ?", id)!;
    return { ok: true, note: toMessage(stored, thread.conversation_id) };
  }

  /**
   * Someone may be free to take this thread (they came online, a slot freed): if it still waits
   * for automatic assignment, decide again. True when it got an assignee.
   */
  async offerAssignment(): Promise<boolean> {
    const thread = this.thread();
    if (!thread || thread.waiting_since === null || this.deciding) return false;
    await this.decide();
    return this.thread()!.assignee_id !== null;
  }

  /**
   * Messages newest first in display order (Meta's timestamp, then arrival). `cursor` comes from
   * a previous page; an unreadable cursor yields null (the route answers 400).
   */
  async listMessages(options: { cursor: string | null; limit: number }): Promise<MessagePage | null> {
    const thread = this.thread();
    if (!thread) return { messages: [], nextCursor: null };
    const limit = Math.min(Math.max(options.limit, 1), 100);
    let rows: MessageRow[];
    if (options.cursor) {
      const key = decodeCursor(options.cursor, ["n", "n"]);
      if (!key) return null;
      const [timestamp, seq] = key as [number, number];
      rows = this.sql.exec(
          `SELECT * FROM messages WHERE timestamp < ?1 OR (timestamp = ?1 AND seq < ?2)
           ORDER BY timestamp DESC, seq DESC LIMIT ?3`,
          timestamp,
          seq,
          limit + 1,
        )
        .toArray() as unknown as MessageRow[];
    } else {
      rows = this.sql
        .exec("SELECT * FROM messages ORDER BY timestamp DESC, seq DESC LIMIT ?", limit + 1)
        .toArray() as unknown as MessageRow[];
    }
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      messages: page.map((row) => toMessage(row, thread.conversation_id)),
      nextCursor: rows.length > limit && last ? encodeCursor([last.timestamp, last.seq]) : null,
    };
  }

  /** Runs due timers: window closing, outbox retries, a D1 index write that failed, a snooze ending, an assignment retry. */
  async alarm(): Promise<void> {
    // Treat the alarm as firing no earlier than it was set for (runDurableObjectAlarm in tests
    // runs it ahead of time; in production it never fires early, so this is plain `now`).
    const horizon = Math.max(Date.now(), this.armedAt ?? 0);
    this.armedAt = null;
    this.setMeta("alarm_at", null);
    const due = this.sql
      .exec("SELECT kind, key, due_at FROM timers WHERE due_at <= ? ORDER BY due_at", horizon)
      .toArray() as unknown as Array<{ kind: TimerKind; key: string; due_at: number }>;
    const events: LiveEvent[] = [];
    let changed = false;
    let indexSync = false;
    let assign = false;
    for (const timer of due) {
      try {
        if (timer.kind === "window") {
          this.clearTimer("window", timer.key);
          const thread = this.thread();
          if (thread?.window_ends_at !== null && thread?.window_ends_at !== undefined && thread.window_ends_at <= horizon) {
            // The window closed: nothing in the row changes but the UI's countdown ends; the
            // version bump makes the index write and the live event reach every browser.
            this.reports.onWindowExpired(thread.window_ends_at);
            this.bump(Date.now());
            changed = true;
          }
        } else if (timer.kind === "outbox") {
          const outboxEvents = await this.drainOutbox(horizon);
          if (outboxEvents.length) changed = true;
          events.push(...outboxEvents);
        } else if (timer.kind === "index_sync") {
          this.clearTimer("index_sync", timer.key);
          indexSync = true;
        } else if (timer.kind === "snooze") {
          this.clearTimer("snooze", timer.key);
          const thread = this.thread();
          if (thread?.status === "snoozed" && thread.snoozed_until !== null && thread.snoozed_until <= horizon) {
            const now = Date.now();
            this.ctx.storage.transactionSync(() => {
              this.sql.exec("UPDATE thread SET status = 'open', snoozed_until = NULL");
              this.addActivity({ kind: "snooze_ended", actor: null, status: "open" }, now, events);
            });
            changed = true;
          }
        } else if (timer.kind === "assign") {
          this.clearTimer("assign", timer.key);
          assign = true;
        } else if (timer.kind === "window_warn") {
          this.clearTimer("window_warn", timer.key);
          this.warnWindowClosing(horizon);
        } else if (timer.kind === "media") {
          const mediaEvents = await this.runMediaJob(timer.key);
          if (mediaEvents.length) changed = true;
          events.push(...mediaEvents);
        } else if (timer.kind === "search" || timer.kind === "deferred") {
          this.clearTimer(timer.kind, timer.key);
          await this.shipDeferred();
        } else {
          this.clearTimer(timer.kind, timer.key);
        }
      } catch (err) {
        console.error("conversation alarm: timer failed", timer.kind, err);
        // Never leave a failing timer due in the past: the alarm would spin on it.
        if (timer.kind === "outbox") this.setTimer("outbox", timer.key, Date.now() + 60_000);
      }
    }
    if (changed) await this.afterChange(events);
    else if (assign && this.thread()?.waiting_since !== null && !this.deciding) await this.decide();
    else if (indexSync) await this.syncIndex();
    this.rearm();
  }

  // ---- inbound --------------------------------------------------------------------------------

  private saveIdentity(identity: ThreadIdentity, now: number): void {
    this.sql.exec(
      `INSERT INTO thread (singleton, conversation_id, channel_id, phone_number_id, display_phone_number,
         contact_id, wa_id, user_id, username, contact_name, created_at, updated_at)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (singleton) DO UPDATE SET
         display_phone_number = coalesce(excluded.display_phone_number, display_phone_number),
         wa_id = coalesce(excluded.wa_id, wa_id),
         user_id = coalesce(excluded.user_id, user_id),
         username = coalesce(excluded.username, username),
         contact_name = coalesce(excluded.contact_name, contact_name)`,
      identity.conversationId,
      identity.channel.id,
      identity.channel.phoneNumberId,
      identity.channel.displayPhoneNumber,
      identity.contact.id,
      identity.contact.waId,
      identity.contact.userId,
      identity.contact.username,
      identity.contact.name,
      now,
      now,
    );
  }

  private storeInbound(message: InboundMessageData, now: number, result: IngestResult, events: LiveEvent[]): void {
    // Issue 5: a reaction goes onto the message it targets; an echo is the owner's own message from
    // the WhatsApp Business app; a system notice is not the customer writing.
    if (message.reaction) return this.storeReaction(message, message.echo ? "out" : "in", now, result, events);
    if (message.echo) return this.storeEcho(message, now, result, events);
    if (this.one("SELECT 1 AS x FROM messages WHERE wamid = ?", message.wamid)) {
      result.duplicates++;
      return;
    }
    if (message.type === "system") return this.storeSystem(message, now, result, events);
    const before = this.thread()!;
    const firstMessage = this.one("SELECT 1 AS x FROM messages LIMIT 1") === null;
    if (before.status === "closed") {
      // The customer wrote to a closed thread: a new episode (reports count episodes apart). The
      // "reopened" item goes just before the message that reopened it.
      const episode = before.episode + 1;
      this.sql.exec(
        "UPDATE thread SET status = 'open', episode = ?, closed_at = NULL, close_note = NULL, close_category = NULL",
        episode,
      );
      this.addActivity({ kind: "reopened", actor: null, status: "open", episode }, now, events, message.timestamp);
    } else if (before.status === "snoozed") {
      this.sql.exec("UPDATE thread SET status = 'open', snoozed_until = NULL");
      this.clearTimer("snooze", "wake");
      this.addActivity({ kind: "snooze_ended", actor: null, status: "open" }, now, events, message.timestamp);
    }
    // A new thread or a new episode nobody holds waits for an agent (automatic assignment decides
    // right after this webhook's index write, see decide()).
    if ((firstMessage || before.status === "closed") && before.assignee_id === null) this.startWaiting(now);

    const id = this.storeWebhookMessage(message, "in", "received", now);
    this.reports.onInbound(id);
    // The window runs from the customer's message (Meta's timestamp), not from when it reached us.
    // It is 24 hours for every message; an ad or post referral opens a free entry point instead.
    const windowEnd = message.timestamp + WINDOW_MS;
    if (message.entryPoint) {
      this.sql.exec("UPDATE thread SET entry_point_at = max(coalesce(entry_point_at, 0), ?)", message.timestamp);
    }
    this.sql.exec(
      `UPDATE thread SET unread_count = unread_count + 1,
         window_ends_at = max(coalesce(window_ends_at, 0), ?1)`,
      windowEnd,
    );
    const thread = this.thread()!;
    if (thread.window_ends_at === windowEnd && windowEnd > now) {
      this.setTimer("window", "close", windowEnd);
      // Issue 5: the holder hears before it closes (the warning's lead time ahead, or now if that is past).
      this.setTimer("window_warn", "soon", Math.max(now, windowEnd - windowWarningMs(this.env.WINDOW_WARNING_MINUTES)));
    }
    this.setLastMessage(message.timestamp, previewOf(message.text, message.type), "in");
    events.push(this.messageEvent("message.created", id, now));
    result.stored++;
  }

  private storeStatus(
    status: StatusData,
    messageId: string | null,
    now: number,
    result: IngestResult,
    events: LiveEvent[],
  ): void {
    let row = this.one<MessageRow>("SELECT * FROM messages WHERE wamid = ?", status.wamid);
    let reconciled = false;
    if (!row && messageId) {
      // Our callback data names the message: a send whose Graph answer never reached us (crash,
      // timeout) is in fact accepted by Meta. Record its wamid and take it out of the outbox.
      const candidate = this.one<MessageRow>("SELECT * FROM messages WHERE id = ?", messageId);
      if (candidate && candidate.direction === "out" && candidate.wamid === null && candidate.status !== "failed") {
        this.sql.exec("UPDATE messages SET wamid = ?, updated_at = ? WHERE id = ?", status.wamid, now, messageId);
        if (shouldApplyStatus(candidate.status, "sent")) this.setStatus(messageId, "sent", now);
        this.sql.exec("DELETE FROM outbox WHERE message_id = ?", messageId);
        this.scheduleOutbox();
        row = this.one<MessageRow>("SELECT * FROM messages WHERE id = ?", messageId);
        reconciled = true;
      }
    }
    if (!row) {
      // A status whose message never shows up (sent by another tool, or lost) is not kept forever.
      this.sql.exec("DELETE FROM pending_statuses WHERE received_at < ?", now - PENDING_STATUS_TTL_MS);
      this.sql.exec(
        `INSERT INTO pending_statuses (wamid, status, timestamp, error_code, error_title, error_details, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        status.wamid,
        status.status,
        status.timestamp,
        status.error?.code ?? null,
        status.error?.title ?? null,
        status.error?.details ?? null,
        now,
      );
      result.statusesPending++;
      return;
    }
    if (row.direction !== "out") return;
    const applied = this.applyStatus(row, status.status, status.timestamp, status.error, now);
    const pendingApplied = reconciled ? this.applyPending(row.id, status.wamid, now) : false;
    if (applied || reconciled || pendingApplied) {
      events.push(this.messageEvent("message.updated", row.id, now));
      result.statusesApplied++;
    }
  }

  /** Apply one status if it moves the message forward. True when something changed. */
  private applyStatus(row: MessageRow, status: MessageStatus, timestamp: number, error: MetaError | null, now: number): boolean {
    const current = this.one<{ status: MessageStatus }>("SELECT status FROM messages WHERE id = ?", row.id)!.status;
    if (!shouldApplyStatus(current, status)) return false;
    if (status === "failed") {
      const explanation = explainMetaError(error?.code, error?.title);
      this.fail(row.id, error?.code ?? 0, error?.title ?? "Failed", error?.details ?? null, explanation, now);
      if (error?.code === 131047) this.closeWindow(now);
    } else {
      this.setStatus(row.id, status, timestamp);
    }
    return true;
  }

  /** Statuses that arrived before their message: apply them now that it has its wamid. */
  private applyPending(messageId: string, wamid: string, now: number): boolean {
    const pending = this.sql.exec("SELECT * FROM pending_statuses WHERE wamid = ?", wamid).toArray() as unknown as PendingStatusRow[];
    if (!pending.length) return false;
    pending.sort((a, b) => statusOrder(a.status) - statusOrder(b.status));
    let changed = false;
    const row = this.one<MessageRow>("SELECT * FROM messages WHERE id = ?", messageId)!;
    for (const p of pending) {
      const error = p.error_code !== null ? { code: p.error_code, title: p.error_title ?? "", details: p.error_details } : null;
      changed = this.applyStatus(row, p.status, p.timestamp, error, now) || changed;
    }
    this.sql.exec("DELETE FROM pending_statuses WHERE wamid = ?", wamid);
    return changed;
  }

  private setStatus(messageId: string, status: MessageStatus, at: number): void {
    this.sql.exec("UPDATE messages SET status = ?, status_at = ?, updated_at = ? WHERE id = ?", status, at, Date.now(), messageId);
  }

  private fail(
    messageId: string,
    code: number,
    title: string,
    details: string | null,
    explanation: ErrorExplanation,
    now: number,
  ): void {
    this.sql.exec(
      `UPDATE messages SET status = 'failed', status_at = ?, error_code = ?, error_title = ?, error_message = ?,
         error_reason = ?, error_details = ?, updated_at = ? WHERE id = ?`,
      now,
      code,
      title,
      explanation.sentence,
      explanation.reason,
      details,
      now,
      messageId,
    );
    this.reports.onSendFailed(messageId, now);
  }

  /** Meta said the window is closed (131047): believe it over our own clock. */
  private closeWindow(now: number): void {
    this.sql.exec("UPDATE thread SET window_ends_at = ? WHERE window_ends_at IS NULL OR window_ends_at > ?", now, now);
    this.clearTimer("window", "close");
    this.clearTimer("window_warn", "soon");
  }

  // ---- outbound -------------------------------------------------------------------------------

  private graph(token = this.env.WHATSAPP_ACCESS_TOKEN ?? ""): GraphClient {
    return new GraphClient({
      baseUrl: this.env.GRAPH_API_URL || DEFAULT_GRAPH_API_URL,
      accessToken: token,
      timeoutMs: GRAPH_TIMEOUT_MS,
    });
  }

  /** One Graph API call for one outbox row; returns the live events of what changed. */
  private async attempt(messageId: string): Promise<LiveEvent[]> {
    const row = this.one<OutboxRow>("SELECT * FROM outbox WHERE message_id = ?", messageId);
    const thread = this.thread();
    if (!row || !thread) return [];
    // Issue 5: the number's throughput and the pair rate limit — wait for a slot, or come back later.
    if (!(await this.waitForSendSlot(messageId, thread.channel_id, row.next_attempt_at))) return [];
    const startedAt = Date.now();
    // Mark it first: if this instance dies mid-call, the row is retried after the grace delay.
    this.sql.exec(
      "UPDATE outbox SET state = 'sending', sending_since = ?, attempts = attempts + 1 WHERE message_id = ?",
      startedAt,
      messageId,
    );
    this.scheduleOutbox();
    this.inFlight.add(messageId);
    let outcome: SendOutcome;
    try {
      // The number's own token when it has one (issue 5), else WHATSAPP_ACCESS_TOKEN.
      const token = await accessTokenFor(this.env, thread.channel_id);
      outcome = token
        ? await this.graph(token).sendMessage(thread.phone_number_id, JSON.parse(row.payload))
        : { kind: "permanent", status: 0, code: 0, title: "No access token: set WHATSAPP_ACCESS_TOKEN or the number's own token", details: null };
    } finally {
      this.inFlight.delete(messageId);
    }

    // Input gates were open during the call: re-read before acting.
    const now = Date.now();
    const events: LiveEvent[] = [];
    this.ctx.storage.transactionSync(() => {
      const current = this.one<OutboxRow>("SELECT * FROM outbox WHERE message_id = ?", messageId);
      // Gone: a status webhook reconciled it while we waited (so Meta has it), nothing to do.
      if (!current) return;
      if (outcome.kind === "ok") {
        this.sql.exec("DELETE FROM outbox WHERE message_id = ?", messageId);
        this.sql.exec("UPDATE messages SET wamid = ?, updated_at = ? WHERE id = ?", outcome.wamid, now, messageId);
        const message = this.one<MessageRow>("SELECT * FROM messages WHERE id = ?", messageId)!;
        if (shouldApplyStatus(message.status, "sent")) this.setStatus(messageId, "sent", now);
        this.applyPending(messageId, outcome.wamid, now);
        events.push(this.messageEvent("message.updated", messageId, now));
      } else if (outcome.kind === "retryable" && current.attempts < MAX_SEND_ATTEMPTS) {
        // No answer at all (status 0) may still mean Meta accepted it: wait at least the grace delay.
        // Issue 5: Meta's "slow down" codes (130429 throughput, 131056 pair limit) wait longer, and
        // after a 131056 this thread's next sends are spaced out for a while.
        if (outcome.code === 131056) this.setMeta("pair_paced_until", String(now + PAIR_PACING_MS));
        const delay =
          outcome.status === 0
            ? Math.max(retryDelay(current.attempts), SENDING_GRACE_MS)
            : rateLimitBackoff(outcome.code, current.attempts, retryDelay(current.attempts));
        this.sql.exec(
          "UPDATE outbox SET state = 'queued', sending_since = NULL, next_attempt_at = ?, last_error = ? WHERE message_id = ?",
          now + delay,
          `${outcome.status}${outcome.code !== null ? ` ${outcome.code}` : ""} ${outcome.title ?? ""}`.trim(),
          messageId,
        );
      } else {
        this.sql.exec("DELETE FROM outbox WHERE message_id = ?", messageId);
        if (outcome.kind === "retryable") {
          this.fail(messageId, outcome.code ?? outcome.status, outcome.title ?? `HTTP ${outcome.status}`, null, RETRIES_EXHAUSTED, now);
        } else {
          this.fail(messageId, outcome.code, outcome.title, outcome.details, explainMetaError(outcome.code, outcome.title), now);
          if (outcome.code === 131047) this.closeWindow(now);
        }
        events.push(this.messageEvent("message.updated", messageId, now));
      }
    });
    this.scheduleOutbox();
    return events;
  }

  /** Send what is due, oldest first; stop at the first row that must wait (order is kept). */
  private async drainOutbox(horizon: number): Promise<LiveEvent[]> {
    const events: LiveEvent[] = [];
    for (;;) {
      const row = this.one<OutboxRow>(
        "SELECT o.* FROM outbox o JOIN messages m ON m.id = o.message_id ORDER BY m.seq LIMIT 1",
      );
      if (!row || this.inFlight.has(row.message_id)) break;
      const due = row.state === "sending" ? (row.sending_since ?? 0) + SENDING_GRACE_MS : row.next_attempt_at;
      if (due > horizon) break;
      events.push(...(await this.attempt(row.message_id)));
      if (this.one("SELECT 1 AS x FROM outbox WHERE message_id = ?", row.message_id)) break;
    }
    this.scheduleOutbox();
    return events;
  }

  /**
   * Keep the outbox timer on the head of the line (the oldest message): rows behind it wait for
   * it, so their own due times do not matter yet.
   */
  private scheduleOutbox(): void {
    const head = this.one<OutboxRow>("SELECT o.* FROM outbox o JOIN messages m ON m.id = o.message_id ORDER BY m.seq LIMIT 1");
    if (!head) this.clearTimer("outbox", "next");
    else {
      const due = head.state === "sending" ? (head.sending_since ?? 0) + SENDING_GRACE_MS : head.next_attempt_at;
      this.setTimer("outbox", "next", due);
    }
    this.rearm();
  }

  // ---- after a change: index + live events ----------------------------------------------------

  private async afterChange(events: LiveEvent[]): Promise<void> {
    const thread = this.thread();
    if (!thread) return;
    this.publish([
      ...events,
      { type: "conversation.updated", conversationId: thread.conversation_id, version: thread.version, conversation: toSummary(thread) },
    ]);
    // Report facts and search rows go after the answer (worker/reports/deferred.ts).
    this.shipLater();
    // While the thread waits for an agent, its index write carries the assignment decision.
    await (thread.waiting_since !== null && !this.deciding ? this.decide() : this.syncIndex());
  }

  /** Anything recorded for D1 that has not been shipped yet (report facts, search rows)? */
  private hasDeferred(): boolean {
    return this.reports.hasPending() || this.one("SELECT 1 AS x FROM search_pending LIMIT 1") !== null;
  }

  /** Ship the deferred writes once this request is answered (they are durable here already). */
  private shipLater(): void {
    if (!this.hasDeferred()) return;
    this.ctx.waitUntil(this.shipDeferred());
  }

  /**
   * Send what is recorded for D1 — report facts and the texts of stored messages and notes — to the
   * DEFERRED queue, and forget each part once the queue has it. One shipment at a time; what
   * arrives meanwhile goes right after. A failure keeps everything and a 'deferred' timer retries.
   * The consumer is idempotent, so a part shipped twice (an answer lost after the send) is harmless.
   */
  private shipDeferred(): Promise<void> {
    if (this.shipping) {
      this.shipAgain = true;
      return this.shipping;
    }
    this.shipping = (async () => {
      try {
        do {
          this.shipAgain = false;
          while (await this.shipOnce());
        } while (this.shipAgain);
      } catch (err) {
        console.error("deferred writes could not be queued; retrying from the alarm", this.thread()?.conversation_id, err);
        this.setTimer("deferred", "ship", Date.now() + DEFERRED_RETRY_MS);
        this.rearm();
      } finally {
        this.shipping = null;
      }
    })();
    return this.shipping;
  }

  /** One queue message (within MAX_MESSAGE_BYTES). True when it sent something (there may be more). */
  private async shipOnce(): Promise<boolean> {
    const thread = this.thread();
    if (!thread) return false;
    const body: DeferredWrite = { conversationId: thread.conversation_id, facts: [], search: [] };
    let bytes = 200;
    const fits = (item: unknown) => {
      const size = utf8.encode(JSON.stringify(item)).length + 1;
      if (bytes + size > MAX_MESSAGE_BYTES && bytes > 200) return false;
      bytes += size;
      return true;
    };
    for (const fact of this.reports.pending()) {
      if (!fits(fact)) break;
      body.facts.push(fact);
    }
    const texts = this.sql
      .exec(
        `SELECT m.id, m.text, m.timestamp FROM search_pending p JOIN messages m ON m.id = p.message_id
         ORDER BY m.seq LIMIT ?`,
        SEARCH_ROWS_PER_MESSAGE,
      )
      .toArray() as unknown as Array<{ id: string; text: string | null; timestamp: number }>;
    for (const m of texts) {
      const item = { conversationId: thread.conversation_id, messageId: m.id, text: (m.text ?? "").slice(0, MAX_SEARCH_CHARS), createdAt: m.timestamp };
      if (!fits(item)) break;
      body.search.push(item);
    }
    if (body.facts.length === 0 && body.search.length === 0) return false;
    await this.env.DEFERRED.send(body, { contentType: "json" });
    this.reports.written(body.facts);
    if (body.search.length) {
      this.sql.exec(
        "DELETE FROM search_pending WHERE message_id IN (SELECT value FROM json_each(?))",
        JSON.stringify(body.search.map((m) => m.messageId)),
      );
    }
    return true;
  }

  /**
   * Write this thread's index row and run the automatic-assignment decision in the same D1
   * transaction (worker/services/auto-assign.ts explains why it is race-free), then adopt the
   * answer: an agent (recorded as "auto_assigned"), the channel's default team, waiting on with a
   * backoff retry when nobody is free, or nothing at all when no policy applies (manual).
   */
  private async decide(): Promise<void> {
    const thread = this.thread();
    if (!thread) return;
    this.deciding = true;
    let decision: AssignmentDecision;
    try {
      decision = await decideAssignment(this.env.DB, toIndexRow(thread), Date.now());
    } catch (err) {
      this.deciding = false;
      // Neither the row nor the decision landed: both retry from the alarm.
      this.indexWriteFailed(thread.conversation_id, err);
      this.scheduleAssignRetry();
      return;
    }
    this.deciding = false;
    if (this.thread()!.version === thread.version) this.indexWritten();

    // Input gates were open during the call: decide on the state as it is now.
    const now = Date.now();
    const current = this.thread()!;
    const events: LiveEvent[] = [];
    let changed = false;
    const stillWaiting = current.waiting_since !== null && current.assignee_id === null && current.episode === thread.episode;
    this.ctx.storage.transactionSync(() => {
      if (!stillWaiting) return;
      if (current.team_id === null && decision.teamId !== null) {
        this.sql.exec("UPDATE thread SET team_id = ?, team_name = ?", decision.teamId, decision.teamName);
        changed = true;
      }
      if (decision.assigneeId) {
        const assignee = { id: decision.assigneeId, name: decision.assigneeName ?? "" };
        this.setAssignee(assignee, now);
        this.addActivity(
          { kind: "auto_assigned", actor: null, assignee, ...(decision.teamId ? { team: { id: decision.teamId, name: decision.teamName ?? "" } } : {}) },
          now,
          events,
        );
        changed = true;
      } else if (decision.waiting) {
        this.scheduleAssignRetry();
      } else {
        // No policy applies: the thread simply sits in the queue. The D1 row already says so.
        this.stopWaiting();
      }
      if (changed && events.length === 0) this.bump(now);
    });
    this.rearm();
    if (changed) {
      this.publish([
        ...events,
        { type: "conversation.updated", conversationId: current.conversation_id, version: this.thread()!.version, conversation: toSummary(this.thread()!) },
      ]);
      await this.syncIndex();
      if (decision.assigneeId) {
        this.notifyLater({
          userId: decision.assigneeId,
          kind: "assigned",
          conversationId: current.conversation_id,
          actor: null,
          preview: current.last_message_preview ?? "",
        });
      }
    } else if (!stillWaiting && decision.assigneeId && decision.assigneeId !== current.assignee_id) {
      // Someone took the thread (or it closed) while the decision ran: overwrite its reservation.
      this.bump(now);
      await this.syncIndex();
    }
  }

  /**
   * Write this thread's D1 index row. On failure an 'index_sync' timer retries it with backoff:
   * the row catches up with the DO, never the other way round.
   */
  private async syncIndex(): Promise<void> {
    const thread = this.thread();
    if (!thread) return;
    try {
      // While a decision it started is in flight, keep the agent it reserved in the row.
      await writeConversationIndex(this.env.DB, toIndexRow(thread), { keepAssignee: this.deciding && thread.assignee_id === null });
      if (this.thread()!.version === thread.version) this.indexWritten();
    } catch (err) {
      this.indexWriteFailed(thread.conversation_id, err);
    }
  }

  private indexWritten(): void {
    this.clearTimer("index_sync", "row");
    this.setMeta("index_sync_attempts", null);
    this.rearm();
  }

  private indexWriteFailed(conversationId: string, err: unknown): void {
    const attempts = Number(this.meta("index_sync_attempts") ?? 0) + 1;
    this.setMeta("index_sync_attempts", String(attempts));
    this.setTimer("index_sync", "row", Date.now() + Math.min(1_000 * 2 ** attempts, 5 * 60 * 1000));
    this.rearm();
    console.error("conversation index write failed; retrying from the alarm", conversationId, err);
  }

  /** Push to the Hub without ever failing the caller: a push failure must not fail ingest. */
  private publish(events: LiveEvent[]): void {
    this.publishChain = this.publishChain.then(async () => {
      try {
        // One call for the whole change: the Hub applies them in order.
        await this.env.HUB.getByName("workspace").publishMany(events);
      } catch (err) {
        console.warn("live event publish failed", err);
      }
    });
    this.ctx.waitUntil(this.publishChain);
  }

  private messageEvent(type: "message.created" | "message.updated", messageId: string, now: number): LiveEvent {
    const version = this.bump(now);
    const thread = this.thread()!;
    const row = this.one<MessageRow>("SELECT * FROM messages WHERE id = ?", messageId)!;
    return {
      type,
      conversationId: thread.conversation_id,
      version,
      message: toMessage(row, thread.conversation_id),
      access: { assigneeId: thread.assignee_id, teamId: thread.team_id },
    };
  }

  // ---- assignment helpers ---------------------------------------------------------------------

  /** Who holds the thread (and its reply lock). Holding it ends any wait for automatic assignment. */
  private setAssignee(assignee: Person | null, _now: number): void {
    this.sql.exec("UPDATE thread SET assignee_id = ?, assignee_name = ?", assignee?.id ?? null, assignee?.name ?? null);
    if (assignee) this.stopWaiting();
    // Issue 5: a new holder hears about a window that closes soon, too.
    if (assignee) this.armWindowWarning(Date.now(), true);
  }

  /**
   * Record an activity item in the thread (an assignment, a status change, a reopen). `at` is its
   * place in the thread (default now); it goes before anything stored after it at the same time.
   */
  private addActivity(activity: Activity, now: number, events: LiveEvent[], at = now): void {
    const id = newId("msg");
    this.sql.exec(
      `INSERT INTO messages (id, seq, wamid, direction, type, text, timestamp, status, status_at, activity, episode,
         created_at, updated_at)
       VALUES (?, ?, NULL, 'internal', 'activity', NULL, ?, 'sent', ?, ?, ?, ?, ?)`,
      id,
      this.nextSeq(),
      at,
      at,
      JSON.stringify(activity),
      this.thread()!.episode,
      now,
      now,
    );
    this.reports.onActivity(id, activity);
    events.push(this.messageEvent("message.created", id, now));
  }

  /** Wait for automatic assignment; the timer retries the decision if this instance dies first. */
  private startWaiting(now: number): void {
    this.sql.exec("UPDATE thread SET waiting_since = coalesce(waiting_since, ?)", now);
    this.setMeta("assign_attempts", null);
    this.setTimer("assign", "offer", now + ASSIGN_RETRY_MS);
  }

  private stopWaiting(): void {
    this.sql.exec("UPDATE thread SET waiting_since = NULL");
    this.setMeta("assign_attempts", null);
    this.clearTimer("assign", "offer");
  }

  /** Nobody was free: try again later (besides being offered when someone comes online). */
  private scheduleAssignRetry(): void {
    const attempts = Number(this.meta("assign_attempts") ?? 0);
    this.setMeta("assign_attempts", String(attempts + 1));
    this.setTimer("assign", "offer", Date.now() + Math.min(ASSIGN_RETRY_MS * 2 ** attempts, ASSIGN_RETRY_MAX_MS));
    this.rearm();
  }

  /** A notification-centre entry (worker/services/notifications.ts), after the answer: it never throws nor delays. */
  private notifyLater(input: NotifyInput): void {
    this.ctx.waitUntil(notify(this.env, input));
  }

  /** `userId` holds one thread fewer: offer them the threads waiting for an agent (in the background). */
  private slotFreed(userId: string): void {
    this.ctx.waitUntil(offerWaitingConversations(this.env, { userId }));
  }

  // ---- WhatsApp message kinds and media (issue 5) ---------------------------------------------

  /**
   * Where a message's media file is (for GET /api/media/...): null when the message does not
   * exist or carries no media.
   */
  async mediaStatus(messageId: string): Promise<{ kind: string; state: string; mimeType: string | null; filename: string | null; error: string | null } | null> {
    const row = this.one<{ content: string | null }>("SELECT content FROM messages WHERE id = ?", messageId);
    const content = row?.content ? (JSON.parse(row.content) as MessageContent) : null;
    if (!content || !("media" in content)) return null;
    return {
      kind: content.kind,
      state: content.media.state,
      mimeType: content.media.mimeType,
      filename: content.media.filename ?? null,
      error: content.media.error ?? null,
    };
  }

  /**
   * The message an earlier send with this Idempotency-Key created (same author), or null. Lets the
   * media route answer a retried upload without uploading the file to Meta again.
   */
  async idempotentMessage(key: string, authorId: string): Promise<ReturnType<typeof toMessage> | null> {
    const thread = this.thread();
    const row = this.one<MessageRow>("SELECT * FROM messages WHERE idempotency_key = ? AND author_id = ?", key, authorId);
    return thread && row ? toMessage(row, thread.conversation_id) : null;
  }

  /**
   * The business reacts to a message of this thread (emoji "" removes its reaction). Shown on the
   * target at once, then sent to WhatsApp; a refusal takes it back. Reactions are not messages, so
   * they do not go through the outbox: a failure is answered to the agent, who may try again.
   */
  async react(input: { actor: { id: string; name: string; role: string }; messageId: string; emoji: string }): Promise<
    | { ok: true; message: ReturnType<typeof toMessage> }
    | { ok: false; reason: "not_found" | "message_not_found" | "window_closed" }
    | { ok: false; reason: "locked"; holder: Person }
    | { ok: false; reason: "whatsapp_error"; code: number | null; message: string }
  > {
    const thread = this.thread();
    if (!thread) return { ok: false, reason: "not_found" };
    if (thread.assignee_id && thread.assignee_id !== input.actor.id && input.actor.role === "agent") {
      return { ok: false, reason: "locked", holder: { id: thread.assignee_id, name: thread.assignee_name ?? "" } };
    }
    const now = Date.now();
    if (!(thread.window_ends_at !== null && thread.window_ends_at > now)) return { ok: false, reason: "window_closed" };
    const target = this.one<MessageRow>("SELECT * FROM messages WHERE id = ? AND wamid IS NOT NULL AND direction <> 'internal'", input.messageId);
    if (!target) return { ok: false, reason: "message_not_found" };
    const pendingKey = `chorus.${newId("rx")}`;
    const events: LiveEvent[] = [];
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        "INSERT INTO reactions (wamid, target_wamid, direction, emoji, timestamp, author_id) VALUES (?, ?, 'out', ?, ?, ?)",
        pendingKey,
        target.wamid,
        input.emoji || null,
        now,
        input.actor.id,
      );
      this.refreshReactions(target.wamid!, now);
      events.push(this.messageEvent("message.updated", target.id, now));
    });
    this.publish(events);
    const token = await accessTokenFor(this.env, thread.channel_id);
    const payload = buildSendPayload(
      { waId: thread.wa_id, userId: thread.user_id },
      { kind: "reaction", targetWamid: target.wamid!, emoji: input.emoji },
      callbackDataFor(thread.conversation_id, pendingKey),
    );
    const outcome: SendOutcome = token
      ? await this.graph(token).sendMessage(thread.phone_number_id, payload)
      : { kind: "permanent", status: 0, code: 0, title: "No access token is set for this number", details: null };
    const after = Date.now();
    const undo: LiveEvent[] = [];
    this.ctx.storage.transactionSync(() => {
      if (outcome.kind === "ok") {
        this.sql.exec("UPDATE reactions SET wamid = ? WHERE wamid = ?", outcome.wamid, pendingKey);
      } else {
        this.sql.exec("DELETE FROM reactions WHERE wamid = ?", pendingKey);
        this.refreshReactions(target.wamid!, after);
        undo.push(this.messageEvent("message.updated", target.id, after));
      }
    });
    await this.afterChange(undo);
    if (outcome.kind !== "ok") {
      const explanation = explainMetaError(outcome.code, outcome.title);
      return { ok: false, reason: "whatsapp_error", code: outcome.code, message: explanation.sentence };
    }
    return { ok: true, message: toMessage(this.one<MessageRow>("SELECT * FROM messages WHERE id = ?", target.id)!, thread.conversation_id) };
  }

  /**
   * "Mark as read" on WhatsApp for the newest customer message (Meta marks the earlier ones too),
   * when the workspace setting `sendReadReceipts` is on. Once per message; a failure is only logged
   * (the agent's own unread count is already reset). Returns whether Meta was told.
   */
  async markReadOnWhatsApp(): Promise<boolean> {
    const thread = this.thread();
    if (!thread) return false;
    const latest = this.one<{ wamid: string }>(
      "SELECT wamid FROM messages WHERE direction = 'in' AND wamid IS NOT NULL AND type <> 'system' ORDER BY timestamp DESC, seq DESC LIMIT 1",
    );
    if (!latest || this.meta("read_receipt_wamid") === latest.wamid) return false;
    const setting = await this.env.DB.prepare("SELECT value FROM settings WHERE key = 'sendReadReceipts'").first<{ value: string }>();
    if (setting?.value !== "true") return false;
    const token = await accessTokenFor(this.env, thread.channel_id);
    if (!token) return false;
    const outcome = await this.graph(token).markRead(thread.phone_number_id, latest.wamid);
    if (!outcome.ok) {
      console.warn("mark as read on WhatsApp failed", thread.conversation_id, outcome.error);
      return false;
    }
    this.setMeta("read_receipt_wamid", latest.wamid);
    return true;
  }

  /** What an outbound message renders: `display`, with the customer message it replies to quoted. */
  private outboundContentJson(display: MessageContent, content: SendInput["content"]): string {
    const replyTo = "replyTo" in content ? (content.replyTo ?? null) : null;
    if (!replyTo) return JSON.stringify(display);
    const quoted = this.one<MessageRow>("SELECT id, direction, type, text FROM messages WHERE wamid = ?", replyTo);
    return JSON.stringify({
      ...display,
      context: {
        ...display.context,
        quote: {
          wamid: replyTo,
          messageId: quoted?.id ?? null,
          direction: quoted && quoted.direction !== "internal" ? quoted.direction : null,
          type: quoted?.type ?? null,
          text: quoted?.text ?? null,
        },
      },
    });
  }

  /** The content to store: Meta's, with the message it quotes (`context.id`) looked up in this thread. */
  private contentJson(message: InboundMessageData): string {
    const content = JSON.parse(JSON.stringify(message.content)) as MessageContent;
    if (message.replyTo) {
      const quoted = this.one<MessageRow>("SELECT id, direction, type, text FROM messages WHERE wamid = ?", message.replyTo);
      content.context = {
        ...content.context,
        quote: {
          wamid: message.replyTo,
          messageId: quoted?.id ?? null,
          direction: quoted && quoted.direction !== "internal" ? quoted.direction : null,
          type: quoted?.type ?? null,
          text: quoted?.text ?? null,
        },
      };
    }
    return JSON.stringify(content);
  }

  /** After a message with a wamid is stored: queue its media for R2 and apply reactions that came first. */
  private afterMessageStored(messageId: string, message: InboundMessageData, now: number): void {
    const content = message.content;
    if ("media" in content && content.media.id) {
      this.sql.exec(
        "INSERT INTO media_jobs (message_id, media_id, kind, mime_type, filename) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        messageId,
        content.media.id,
        content.kind,
        content.media.mimeType,
        content.media.filename ?? null,
      );
      // Fetched from the alarm, right after this webhook is answered — never on its hot path.
      this.setTimer("media", messageId, now);
    }
    this.refreshReactions(message.wamid, now);
  }

  /**
   * A reaction (added, or removed: emoji null) to a message of this thread: recorded by its own
   * wamid (so a duplicate changes nothing), then the target's current reactions are recomputed. A
   * reaction to a message not here yet is kept and applied when that message arrives.
   */
  private storeReaction(message: InboundMessageData, direction: "in" | "out", now: number, result: IngestResult, events: LiveEvent[]): void {
    const reaction = message.reaction!;
    if (this.one("SELECT 1 AS x FROM reactions WHERE wamid = ?", message.wamid)) {
      result.duplicates++;
      return;
    }
    this.sql.exec(
      "INSERT INTO reactions (wamid, target_wamid, direction, emoji, timestamp) VALUES (?, ?, ?, ?, ?)",
      message.wamid,
      reaction.targetWamid,
      direction,
      reaction.emoji,
      message.timestamp,
    );
    result.stored++;
    const target = this.refreshReactions(reaction.targetWamid, now);
    if (target) events.push(this.messageEvent("message.updated", target, now));
  }

  /** Recompute a message's reactions (the latest of each side; a removal clears that side). Its id, or null. */
  private refreshReactions(targetWamid: string, now: number): string | null {
    const target = this.one<{ id: string; reactions: string | null }>("SELECT id, reactions FROM messages WHERE wamid = ?", targetWamid);
    if (!target) return null;
    const rows = this.sql
      .exec("SELECT direction, emoji, timestamp FROM reactions WHERE target_wamid = ? ORDER BY timestamp DESC, rowid DESC", targetWamid)
      .toArray() as unknown as Array<{ direction: "in" | "out"; emoji: string | null; timestamp: number }>;
    const latest = new Map<string, (typeof rows)[number]>();
    for (const r of rows) if (!latest.has(r.direction)) latest.set(r.direction, r);
    const reactions: Reaction[] = [...latest.values()]
      .filter((r) => r.emoji)
      .map((r) => ({ emoji: r.emoji!, direction: r.direction, at: r.timestamp }))
      .sort((a, b) => (a.direction === b.direction ? 0 : a.direction === "in" ? -1 : 1));
    const json = reactions.length ? JSON.stringify(reactions) : null;
    // Nothing to show and nothing shown (a message that was never reacted to): nothing changes.
    if (json === target.reactions) return rows.length ? target.id : null;
    this.sql.exec("UPDATE messages SET reactions = ?, updated_at = ? WHERE id = ?", json, now, target.id);
    return target.id;
  }

  /**
   * Stores a message that came by webhook — the customer's (`in`, received) or the owner's answer
   * from the Business app (`out`, sent) — with the next sequence number and Meta's timestamp, and
   * queues its text for the search index. Answers the new message id.
   */
  private storeWebhookMessage(message: InboundMessageData, direction: "in" | "out", status: "received" | "sent", now: number): string {
    const id = newId("msg");
    this.sql.exec(
      `INSERT INTO messages (id, seq, wamid, direction, type, text, raw, reply_to, timestamp, status, status_at,
         episode, created_at, updated_at, content)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      id,
      this.nextSeq(),
      message.wamid,
      direction,
      message.type,
      message.text,
      message.raw,
      message.replyTo,
      message.timestamp,
      status,
      message.timestamp,
      this.thread()!.episode,
      now,
      now,
      this.contentJson(message),
    );
    this.afterMessageStored(id, message, now);
    if (message.text) this.sql.exec("INSERT INTO search_pending (message_id) VALUES (?) ON CONFLICT DO NOTHING", id);
    return id;
  }

  /**
   * The owner answered from the WhatsApp Business app (coexistence, `smb_message_echoes`): an
   * outbound message, already sent, with no Chorus author. It is an answer, so it may open the
   * free entry point window; it never touches unread counts or the reply lock.
   */
  private storeEcho(message: InboundMessageData, now: number, result: IngestResult, events: LiveEvent[]): void {
    if (this.one("SELECT 1 AS x FROM messages WHERE wamid = ?", message.wamid)) {
      result.duplicates++;
      return;
    }
    const id = this.storeWebhookMessage(message, "out", "sent", now);
    // A person answered from the Business app: a human reply for reports, with no agent to credit.
    this.reports.onOutbound(id, { fromBusinessApp: true });
    this.setLastMessage(message.timestamp, previewOf(message.text, message.type), "out");
    this.openFreeEntry(message.timestamp);
    this.applyPending(id, message.wamid, now);
    events.push(this.messageEvent("message.created", id, now));
    result.stored++;
  }

  /**
   * Meta's notice about the customer (changed number or user id). The routing has already updated
   * the contact (the same contact, never a new one); the thread shows the notice. It is not the
   * customer writing: no unread count, no window, no reopening.
   */
  private storeSystem(message: InboundMessageData, now: number, result: IngestResult, events: LiveEvent[]): void {
    const id = newId("msg");
    this.sql.exec(
      `INSERT INTO messages (id, seq, wamid, direction, type, text, raw, reply_to, timestamp, status, status_at,
         episode, created_at, updated_at, content)
       VALUES (?, ?, ?, 'in', 'system', ?, ?, NULL, ?, 'received', ?, ?, ?, ?, ?)`,
      id,
      this.nextSeq(),
      message.wamid,
      message.text,
      message.raw,
      message.timestamp,
      message.timestamp,
      this.thread()!.episode,
      now,
      now,
      this.contentJson(message),
    );
    events.push(this.messageEvent("message.created", id, now));
    result.stored++;
  }

  /**
   * An answer (from Chorus or the Business app) at `at`: when the thread's last entry-point
   * message (ad or post referral) is at most 24 hours old and its free window is not open yet, the
   * 72-hour free entry point window opens now.
   */
  private openFreeEntry(at: number): void {
    const thread = this.thread();
    if (!thread || thread.entry_point_at === null || at < thread.entry_point_at || at - thread.entry_point_at > WINDOW_MS) return;
    if (thread.free_entry_started_at !== null && thread.free_entry_started_at >= thread.entry_point_at) return;
    this.sql.exec("UPDATE thread SET free_entry_started_at = ?, free_entry_ends_at = ?", at, at + AD_WINDOW_MS);
    // Recorded for reports (docs/whatsapp.md "Windows"): how many answers earned the free window.
    this.reports.onFreeEntryOpened(thread.entry_point_at, at);
  }

  /**
   * The window closes within the warning's lead time: tell the holder (notification centre, pushed live),
   * once per window end. Nobody holds it: the team's queue shows the countdown instead.
   */
  private warnWindowClosing(horizon: number): void {
    const thread = this.thread();
    if (!thread?.assignee_id || thread.window_ends_at === null) return;
    const end = thread.window_ends_at;
    if (end <= Date.now() || end - horizon > windowWarningMs(this.env.WINDOW_WARNING_MINUTES) || thread.window_warned_for === end) return;
    this.sql.exec("UPDATE thread SET window_warned_for = ?", end);
    this.notifyLater({
      userId: thread.assignee_id,
      kind: "window_closing",
      conversationId: thread.conversation_id,
      preview: thread.last_message_preview ?? "",
    });
  }

  /** Schedule the closing-soon alert for the current window end (`renew`: a new holder, alert again). */
  private armWindowWarning(now: number, renew = false): void {
    const thread = this.thread();
    const end = thread?.window_ends_at ?? null;
    if (end === null || end <= now) return;
    if (renew) this.sql.exec("UPDATE thread SET window_warned_for = NULL");
    else if (thread!.window_warned_for === end) return;
    this.setTimer("window_warn", "soon", Math.max(now, end - windowWarningMs(this.env.WINDOW_WARNING_MINUTES)));
  }

  /**
   * Before a Graph call: the number's send rate (SendRateDO, one per channel) and Meta's pair rate
   * limit to this customer — kept ahead of time (a burst of 45, then one every 6 s: `pair_tat`)
   * and, after Meta still said 131056, every send 6 s apart for a while. A short wait happens
   * here; a long one puts the row back in the outbox for the alarm. False: not now.
   */
  private async waitForSendSlot(messageId: string, channelId: string, dueAt: number): Promise<boolean> {
    this.inFlight.add(messageId);
    let wait = 0;
    try {
      wait = await this.env.SEND_RATE.getByName(channelId).reserve(channelId);
    } catch (err) {
      // The limiter must never stop a reply: Meta's 130429 backoff still protects the number.
      console.warn("send rate limiter unavailable", channelId, err);
    }
    const now = Date.now();
    if (Number(this.meta("pair_paced_until") ?? 0) > now) {
      // A row scheduled for later (a retry) was already spaced when it was scheduled.
      wait = Math.max(wait, Number(this.meta("last_send_at") ?? 0) + PAIR_RATE_MIN_DELAY_MS - Math.max(now, dueAt));
    }
    const pair = pairRateSlot(Number(this.meta("pair_tat") ?? 0), now);
    wait = Math.max(wait, pair.wait);
    if (wait > MAX_INLINE_RATE_WAIT_MS) {
      this.inFlight.delete(messageId);
      this.sql.exec("UPDATE outbox SET state = 'queued', sending_since = NULL, next_attempt_at = ? WHERE message_id = ?", now + wait, messageId);
      this.scheduleOutbox();
      return false;
    }
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    this.inFlight.delete(messageId);
    if (!this.one("SELECT 1 AS x FROM outbox WHERE message_id = ?", messageId)) return false;
    this.setMeta("last_send_at", String(Date.now()));
    // Counted only for a send that goes (a row sent back to the outbox did not use its slot).
    this.setMeta("pair_tat", String(pairRateSlot(Number(this.meta("pair_tat") ?? 0), Date.now()).tat));
    return true;
  }

  /** Merge `patch` into a message's media info. */
  private updateMedia(messageId: string, patch: Partial<Extract<MessageContent, { media: unknown }>["media"]>, now: number): void {
    const row = this.one<{ content: string | null }>("SELECT content FROM messages WHERE id = ?", messageId);
    const content = row?.content ? (JSON.parse(row.content) as MessageContent) : null;
    if (!content || !("media" in content)) return;
    content.media = { ...content.media, ...patch };
    this.sql.exec("UPDATE messages SET content = ?, updated_at = ? WHERE id = ?", JSON.stringify(content), now, messageId);
  }

  /**
   * Fetch one message's media into R2 (Meta: media id → URL → download with the token). A failed
   * lookup or download is retried with backoff; the message shows "pending" until it lands, then
   * "ready" — or "failed" with the reason after MAX_MEDIA_ATTEMPTS. Idempotent: a finished job is gone.
   */
  private async runMediaJob(messageId: string): Promise<LiveEvent[]> {
    this.clearTimer("media", messageId);
    const job = this.one<{ media_id: string; kind: string; mime_type: string | null; filename: string | null; attempts: number }>(
      "SELECT * FROM media_jobs WHERE message_id = ?",
      messageId,
    );
    const thread = this.thread();
    if (!job || !thread) return [];
    const attempt = job.attempts + 1;
    this.sql.exec("UPDATE media_jobs SET attempts = ? WHERE message_id = ?", attempt, messageId);
    // Should this instance die mid-fetch, the job is retried later.
    this.setTimer("media", messageId, Date.now() + mediaRetryDelay(attempt) + GRAPH_TIMEOUT_MS);
    this.rearm();
    let outcome: Awaited<ReturnType<typeof fetchMediaIntoR2>>;
    try {
      const token = await accessTokenFor(this.env, thread.channel_id);
      outcome = await fetchMediaIntoR2(this.env.MEDIA, {
        graphBase: this.env.GRAPH_API_URL || DEFAULT_GRAPH_API_URL,
        token,
        mediaId: job.media_id,
        key: mediaKey(thread.conversation_id, messageId),
        mimeType: job.mime_type,
        filename: job.filename,
        kind: job.kind,
      });
    } catch (err) {
      outcome = { ok: false, retryable: true, error: err instanceof Error ? err.message : String(err) };
    }
    const now = Date.now();
    const events: LiveEvent[] = [];
    this.ctx.storage.transactionSync(() => {
      if (!this.one("SELECT 1 AS x FROM media_jobs WHERE message_id = ?", messageId)) return;
      if (outcome.ok) {
        this.sql.exec("DELETE FROM media_jobs WHERE message_id = ?", messageId);
        this.clearTimer("media", messageId);
        this.updateMedia(messageId, { state: "ready", size: outcome.size, mimeType: outcome.mimeType, error: null }, now);
        events.push(this.messageEvent("message.updated", messageId, now));
      } else if (outcome.retryable && attempt < MAX_MEDIA_ATTEMPTS) {
        this.sql.exec("UPDATE media_jobs SET last_error = ? WHERE message_id = ?", outcome.error, messageId);
        this.setTimer("media", messageId, now + mediaRetryDelay(attempt));
      } else {
        this.sql.exec("DELETE FROM media_jobs WHERE message_id = ?", messageId);
        this.clearTimer("media", messageId);
        this.updateMedia(messageId, { state: "failed", error: outcome.error }, now);
        events.push(this.messageEvent("message.updated", messageId, now));
        console.error("media could not be fetched", thread.conversation_id, messageId, outcome.error);
      }
    });
    this.rearm();
    return events;
  }

  // ---- small helpers --------------------------------------------------------------------------

  private thread(): ThreadRow | null {
    return this.one<ThreadRow>("SELECT * FROM thread WHERE singleton = 1");
  }

  private one<T = Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]): T | null {
    return (this.sql.exec(query, ...bindings).toArray()[0] as T | undefined) ?? null;
  }

  private bump(now: number): number {
    return this.one<{ version: number }>("UPDATE thread SET version = version + 1, updated_at = ? RETURNING version", now)!.version;
  }

  private nextSeq(): number {
    return this.one<{ seq: number }>("SELECT coalesce(max(seq), 0) + 1 AS seq FROM messages")!.seq;
  }

  /** The list shows the newest message by Meta's time: an older one arriving late does not replace it. */
  private setLastMessage(at: number, preview: string, direction: "in" | "out"): void {
    this.sql.exec(
      `UPDATE thread SET last_message_at = ?1, last_message_preview = ?2, last_message_direction = ?3
       WHERE last_message_at IS NULL OR last_message_at <= ?1`,
      at,
      preview,
      direction,
    );
  }

  private meta(key: string): string | null {
    return this.one<{ value: string | null }>("SELECT value FROM _meta WHERE key = ?", key)?.value ?? null;
  }

  private setMeta(key: string, value: string | null): void {
    if (value === null) this.sql.exec("DELETE FROM _meta WHERE key = ?", key);
    else this.sql.exec("INSERT INTO _meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
  }

  private setTimer(kind: TimerKind, key: string, dueAt: number): void {
    this.sql.exec(
      "INSERT INTO timers (kind, key, due_at) VALUES (?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET due_at = excluded.due_at",
      kind,
      key,
      dueAt,
    );
  }

  private clearTimer(kind: string, key: string): void {
    this.sql.exec("DELETE FROM timers WHERE kind = ? AND key = ?", kind, key);
  }

  /** One alarm for all timers: at the earliest due_at. */
  private rearm(): void {
    const next = this.one<{ due: number | null }>("SELECT min(due_at) AS due FROM timers")?.due ?? null;
    if (next === this.armedAt) return;
    this.armedAt = next;
    if (next === null) {
      void this.ctx.storage.deleteAlarm();
      this.setMeta("alarm_at", null);
    } else {
      void this.ctx.storage.setAlarm(next);
      this.setMeta("alarm_at", String(next));
    }
  }
}
