/**
 * Helpers for the reports tests (test/worker/reports-*.test.ts).
 *
 * `playThread` runs a scripted thread with exact times through the real ReportRecorder inside a
 * real Conversation DO's storage: it writes the thread's rows the way the DO does (a customer
 * writing to a closed thread starts a new episode with a "reopened" item; to a snoozed one, ends
 * the snooze) and calls the recorder's hooks — so the definitions are tested with hand-computed
 * times, which the DO's own clock (Date.now) would not allow. The DO's wiring of the same hooks is
 * tested end to end through webhooks and routes in reports-routes.test.ts.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import type { Activity, ConversationStatus } from "../../../worker/contracts/api";
import type { Figures } from "../../../worker/contracts/reports";
import { writeFacts, type Fact } from "../../../worker/reports/fact-writer";
import { ReportRecorder } from "../../../worker/reports/recorder";
import { call, expectStatus, type Session } from "./inbox";

export const MIN = 60_000;
export const HOUR = 60 * MIN;

export type Step =
  /** The customer writes at this time. */
  | { in: number }
  /** A reply at this time by this author (a user id; "tok_…" is an API token: automated). */
  | { out: number; by: string }
  /** The owner answers from the WhatsApp Business app (Meta echoes it): a person, but no agent. */
  | { appReply: number }
  | { status: ConversationStatus; at: number }
  | { assign: string | null; at: number }
  /** The DO's window timer fired at this time. */
  | { windowClosed: number };

export interface PlayedThread {
  conversationId: string;
  facts: Fact[];
}

const ACTOR = { id: "usr_script", name: "Script" };

export async function playThread(options: { channelId: string; teamId?: string | null; steps: Step[] }): Promise<PlayedThread> {
  const conversationId = `cnv_t${crypto.randomUUID().replace(/-/g, "")}`;
  const stub = env.CONVERSATION.getByName(conversationId);
  return runInDurableObject(stub, (_instance, state) => {
    const sql = state.storage.sql;
    sql.exec(
      `INSERT INTO thread (singleton, conversation_id, channel_id, phone_number_id, contact_id, team_id, created_at, updated_at)
       VALUES (1, ?, ?, 'pn_script', 'ct_script', ?, 0, 0)`,
      conversationId,
      options.channelId,
      options.teamId ?? null,
    );
    const recorder = new ReportRecorder(sql);
    recorder.migrate();
    let seq = 0;
    const thread = () => sql.exec<{ status: string; episode: number }>("SELECT status, episode FROM thread").one();
    const message = (direction: "in" | "out" | "internal", at: number, author: string | null, activity: Activity | null) => {
      const id = `msg_script_${++seq}`;
      sql.exec(
        `INSERT INTO messages (id, seq, direction, type, timestamp, status, author_id, activity, episode, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'sent', ?, ?, ?, ?, ?)`,
        id,
        seq,
        direction,
        activity ? "activity" : "text",
        at,
        author,
        activity ? JSON.stringify(activity) : null,
        thread().episode,
        at,
        at,
      );
      return id;
    };
    const activity = (at: number, item: Activity) => recorder.onActivity(message("internal", at, null, item), item);

    for (const step of options.steps) {
      if ("in" in step) {
        const { status, episode } = thread();
        if (status === "closed") {
          sql.exec("UPDATE thread SET status = 'open', episode = ?", episode + 1);
          activity(step.in, { kind: "reopened", actor: null, status: "open", episode: episode + 1 });
        } else if (status === "snoozed") {
          sql.exec("UPDATE thread SET status = 'open'");
          activity(step.in, { kind: "snooze_ended", actor: null, status: "open" });
        }
        recorder.onInbound(message("in", step.in, null, null));
      } else if ("out" in step) {
        recorder.onOutbound(message("out", step.out, step.by, null));
      } else if ("appReply" in step) {
        recorder.onOutbound(message("out", step.appReply, null, null), { fromBusinessApp: true });
      } else if ("status" in step) {
        sql.exec("UPDATE thread SET status = ?", step.status);
        activity(step.at, { kind: "status_changed", actor: ACTOR, status: step.status });
      } else if ("assign" in step) {
        sql.exec("UPDATE thread SET assignee_id = ?", step.assign);
        activity(
          step.at,
          step.assign
            ? { kind: "assigned", actor: ACTOR, assignee: { id: step.assign, name: step.assign }, previousAssignee: null }
            : { kind: "unassigned", actor: ACTOR, previousAssignee: null },
        );
      } else {
        recorder.onWindowExpired(step.windowClosed);
      }
    }
    const facts: Fact[] = [];
    for (let batch = recorder.pending(); batch.length > 0; batch = recorder.pending()) {
      facts.push(...batch);
      recorder.written(batch);
    }
    return { conversationId, facts };
  });
}

/** Play a thread and write its facts to D1 (as the DO's index write would). */
export async function recordThread(options: { channelId: string; teamId?: string | null; steps: Step[] }): Promise<PlayedThread> {
  const played = await playThread(options);
  await writeFacts(env.DB, played.facts);
  return played;
}

/**
 * Reports and search lag the inbox (issue 7): a Conversation DO ships its facts and texts through
 * the DEFERRED queue after it answers, and the consumer writes them about a second later. Retry
 * `check` (an assertion that throws until it holds) until the deferred writes have landed.
 */
export function eventually<T>(check: () => Promise<T>): Promise<T> {
  return vi.waitFor(check, { timeout: 15_000, interval: 50 });
}

/** `channelFigures` once they match `expected` (deferred writes landed); they are returned. */
export async function settledFigures(
  manager: Session,
  channelId: string,
  from: string,
  to: string,
  expected: (figures: Figures) => boolean,
): Promise<Figures> {
  return eventually(async () => {
    const figures = await channelFigures(manager, channelId, from, to);
    if (!expected(figures)) throw new Error(`figures not there yet: ${JSON.stringify(figures)}`);
    return figures;
  });
}

export function isoDay(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

/** The figures of one channel over [from, to] from GET /api/reports/breakdown?by=channel. */
export async function channelFigures(manager: Session, channelId: string, from: string, to: string, businessHours = false): Promise<Figures> {
  const body = await expectStatus<{ rows: Array<{ key: string; figures: Figures }> }>(
    await call(manager, "GET", `/api/reports/breakdown?by=channel&from=${from}&to=${to}&businessHours=${businessHours}`),
    200,
  );
  const row = body.rows.find((r) => r.key === channelId);
  if (!row) throw new Error(`no figures for ${channelId} in ${JSON.stringify(body.rows.map((r) => r.key))}`);
  return row.figures;
}

/** Business hours every weekday, none at the weekend. */
export function weekdays(timezone: string, open: string, close: string, holidays: string[] = []) {
  const day: Array<[string, string]> = [[open, close]];
  return { timezone, weekly: { mon: day, tue: day, wed: day, thu: day, fri: day, sat: [], sun: [] }, holidays };
}
