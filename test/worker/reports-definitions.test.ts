/**
 * Every definition of docs/reports.md against hand-computed figures: first response per episode
 * (a reopened episode gets its own; automated replies don't count; agent-started episodes are
 * excluded, not zero), response times, resolution with and without pending/snoozed time, missed
 * conversations, messages, medians and p90s — and replaying facts changes no figure.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { writeFacts } from "../../worker/reports/fact-writer";
import { channelFigures, HOUR, isoDay, MIN, recordThread } from "./helpers/reports";
import { signedIn } from "./helpers/session";
import { call, expectStatus } from "./helpers/inbox";

const channel = () => `chn_def_${crypto.randomUUID().slice(0, 8)}`;
const agent = () => `usr_def_${crypto.randomUUID().slice(0, 8)}`;

describe("report definitions (hand-computed)", () => {
  it("measures the first response from the episode's first customer message, and each wait to the next human reply", async ({ expect }) => {
    const manager = await signedIn("manager");
    const chn = channel();
    const a = agent();
    const t = Date.UTC(2026, 0, 5, 9, 0); // Monday 09:00 UTC
    await recordThread({
      channelId: chn,
      steps: [
        { in: t }, // the customer writes at 09:00…
        { in: t + 2 * MIN }, // …and again at 09:02: still the same wait
        { out: t + 5 * MIN, by: a }, // first response: 5 min (from 09:00); response: 5 min
        { in: t + 10 * MIN },
        { out: t + 30 * MIN, by: a }, // response: 20 min
        { out: t + 31 * MIN, by: a }, // a follow-up: nobody was waiting, no response
        { status: "closed", at: t + 60 * MIN }, // resolution: 60 min
      ],
    });
    const f = await channelFigures(manager, chn, isoDay(t), isoDay(t));
    expect(f).toMatchObject({ opened: 1, openedByAgents: 0, closed: 1, missed: 0, messagesIn: 3, messagesOut: 3, messagesAutomated: 0, handled: 1 });
    expect(f.firstResponse).toEqual({ count: 1, mean: 5 * MIN, median: 5 * MIN, p90: 5 * MIN });
    // Two waits, 5 and 20 minutes: the nearest-rank median is the smaller, p90 the larger.
    expect(f.response).toEqual({ count: 2, mean: 12.5 * MIN, median: 5 * MIN, p90: 20 * MIN });
    expect(f.resolution).toEqual({ count: 1, mean: HOUR, median: HOUR, p90: HOUR });
    expect(f.resolutionActive).toEqual({ count: 1, mean: HOUR, median: HOUR, p90: HOUR });
  });

  it("gives a reopened episode its own first response and resolution", async ({ expect }) => {
    const manager = await signedIn("manager");
    const chn = channel();
    const [a, b] = [agent(), agent()];
    const t = Date.UTC(2026, 0, 6, 9, 0);
    await recordThread({
      channelId: chn,
      steps: [
        { in: t },
        { out: t + 5 * MIN, by: a }, // episode 1: first response 5 min
        { status: "closed", at: t + HOUR }, // episode 1 resolved in 1 h
        { in: t + 3 * HOUR }, // the customer writes again: episode 2 opens at 12:00
        { out: t + 3 * HOUR + 3 * MIN, by: b }, // episode 2: first response 3 min (not 3 h 3 min)
        { status: "closed", at: t + 4 * HOUR }, // episode 2 resolved in 1 h (not 4 h)
      ],
    });
    const f = await channelFigures(manager, chn, isoDay(t), isoDay(t));
    expect(f).toMatchObject({ opened: 2, closed: 2, handled: 2 });
    expect(f.firstResponse).toEqual({ count: 2, mean: 4 * MIN, median: 3 * MIN, p90: 5 * MIN });
    expect(f.resolution).toEqual({ count: 2, mean: HOUR, median: HOUR, p90: HOUR });

    // Per agent: each answered one episode first.
    const byAgent = await expectStatus<{ rows: Array<{ key: string; figures: { firstResponse: { median: number } } }> }>(
      await call(manager, "GET", `/api/reports/breakdown?by=agent&from=${isoDay(t)}&to=${isoDay(t)}`),
      200,
    );
    expect(byAgent.rows.find((r) => r.key === a)?.figures.firstResponse.median).toBe(5 * MIN);
    expect(byAgent.rows.find((r) => r.key === b)?.figures.firstResponse.median).toBe(3 * MIN);
  });

  it("does not count automated replies as a response", async ({ expect }) => {
    const manager = await signedIn("manager");
    const chn = channel();
    const t = Date.UTC(2026, 0, 7, 9, 0);
    await recordThread({
      channelId: chn,
      steps: [
        { in: t },
        { out: t + MIN, by: "tok_integration" }, // an API token (a bot, a CRM) answers at once…
        { out: t + 4 * MIN, by: agent() }, // …the first human reply comes at 4 min
      ],
    });
    const f = await channelFigures(manager, chn, isoDay(t), isoDay(t));
    expect(f).toMatchObject({ messagesOut: 1, messagesAutomated: 1 });
    expect(f.firstResponse).toEqual({ count: 1, mean: 4 * MIN, median: 4 * MIN, p90: 4 * MIN });
    expect(f.response.count).toBe(1);
  });

  it("counts an answer from the WhatsApp Business app as a person's reply, credited to no agent", async ({ expect }) => {
    const manager = await signedIn("manager");
    const chn = channel();
    const t = Date.UTC(2026, 0, 7, 12, 0);
    await recordThread({ channelId: chn, steps: [{ in: t }, { appReply: t + 6 * MIN }] });
    const f = await channelFigures(manager, chn, isoDay(t), isoDay(t));
    expect(f).toMatchObject({ messagesOut: 1, messagesAutomated: 0, handled: 0 });
    expect(f.firstResponse).toEqual({ count: 1, mean: 6 * MIN, median: 6 * MIN, p90: 6 * MIN });
  });

  it("excludes an agent-started episode from first response times (it is not a zero)", async ({ expect }) => {
    const manager = await signedIn("manager");
    const chn = channel();
    const a = agent();
    const t = Date.UTC(2026, 0, 8, 9, 0);
    await recordThread({
      channelId: chn,
      steps: [
        { in: t },
        { out: t + 5 * MIN, by: a }, // episode 1 (the customer's): first response 5 min
        { status: "closed", at: t + 10 * MIN },
        { out: t + 5 * HOUR, by: a }, // the agent writes to the closed thread (a template)…
        { in: t + 6 * HOUR }, // …the customer answers: episode 2 was started by the agent, at 14:00
        { out: t + 6 * HOUR + 10 * MIN, by: a }, // a response (10 min) but no first response
        { status: "closed", at: t + 7 * HOUR }, // resolution from 14:00: 2 h
      ],
    });
    const f = await channelFigures(manager, chn, isoDay(t), isoDay(t));
    expect(f).toMatchObject({ opened: 2, openedByAgents: 1, closed: 2 });
    expect(f.firstResponse).toEqual({ count: 1, mean: 5 * MIN, median: 5 * MIN, p90: 5 * MIN });
    expect(f.response).toEqual({ count: 2, mean: 7.5 * MIN, median: 5 * MIN, p90: 10 * MIN });
    expect(f.resolution).toEqual({ count: 2, mean: (10 * MIN + 2 * HOUR) / 2, median: 10 * MIN, p90: 2 * HOUR });
  });

  it("measures resolution with and without the time spent snoozed or pending", async ({ expect }) => {
    const manager = await signedIn("manager");
    const chn = channel();
    const t = Date.UTC(2026, 0, 9, 9, 0);
    await recordThread({
      channelId: chn,
      steps: [
        { in: t },
        { out: t + 10 * MIN, by: agent() },
        { status: "snoozed", at: t + 20 * MIN }, // snoozed for 2 h…
        { status: "open", at: t + 2 * HOUR + 20 * MIN },
        { status: "pending", at: t + 2 * HOUR + 30 * MIN }, // …pending for 30 min…
        { status: "closed", at: t + 3 * HOUR }, // …closed at 12:00
      ],
    });
    const f = await channelFigures(manager, chn, isoDay(t), isoDay(t));
    expect(f.resolution.median).toBe(3 * HOUR);
    // 3 h − 2 h snoozed − 30 min pending.
    expect(f.resolutionActive.median).toBe(30 * MIN);
  });

  it("counts an episode as missed when its window closes while the customer waits for a reply", async ({ expect }) => {
    const manager = await signedIn("manager");
    const chn = channel();
    const t = Date.UTC(2026, 0, 12, 9, 0);
    const day = 24 * HOUR;
    // Nobody answered: missed.
    await recordThread({ channelId: chn, steps: [{ in: t }, { windowClosed: t + day }] });
    // Answered: not missed.
    await recordThread({ channelId: chn, steps: [{ in: t }, { out: t + MIN, by: agent() }, { windowClosed: t + day }] });
    // Closed without a reply (spam, a thank-you): not missed.
    await recordThread({ channelId: chn, steps: [{ in: t }, { status: "closed", at: t + HOUR }, { windowClosed: t + day }] });
    // Answered, then the customer wrote again and waited until the window closed: missed (once).
    await recordThread({
      channelId: chn,
      steps: [{ in: t }, { out: t + MIN, by: agent() }, { in: t + 2 * HOUR }, { windowClosed: t + 26 * HOUR }, { windowClosed: t + 26 * HOUR + 1 }],
    });
    const f = await channelFigures(manager, chn, isoDay(t + day), isoDay(t + 2 * day));
    expect(f.missed).toBe(2);
  });

  it("counts medians and p90 over many episodes by nearest rank", async ({ expect }) => {
    const manager = await signedIn("manager");
    const chn = channel();
    const t = Date.UTC(2026, 0, 13, 9, 0);
    // First responses of 1, 2, …, 10 minutes: median = 5 min (rank 5), p90 = 9 min (rank 9).
    for (let m = 1; m <= 10; m++) {
      await recordThread({ channelId: chn, steps: [{ in: t }, { out: t + m * MIN, by: agent() }] });
    }
    const f = await channelFigures(manager, chn, isoDay(t), isoDay(t));
    expect(f.firstResponse).toEqual({ count: 10, mean: 5.5 * MIN, median: 5 * MIN, p90: 9 * MIN });
  });

  it("changes no figure when the facts are written again (a replayed write)", async ({ expect }) => {
    const manager = await signedIn("manager");
    const chn = channel();
    const t = Date.UTC(2026, 0, 14, 9, 0);
    const played = await recordThread({
      channelId: chn,
      steps: [{ in: t }, { in: t + MIN }, { out: t + 7 * MIN, by: agent() }, { status: "pending", at: t + 8 * MIN }, { status: "closed", at: t + HOUR }],
    });
    const before = await channelFigures(manager, chn, isoDay(t), isoDay(t));
    const summaryBefore = await expectStatus(await call(manager, "GET", `/api/reports/summary?from=${isoDay(t)}&to=${isoDay(t)}`), 200);
    await writeFacts(env.DB, played.facts);
    await writeFacts(env.DB, [...played.facts].reverse());
    expect(await channelFigures(manager, chn, isoDay(t), isoDay(t))).toEqual(before);
    expect(await expectStatus(await call(manager, "GET", `/api/reports/summary?from=${isoDay(t)}&to=${isoDay(t)}`), 200)).toEqual(summaryBefore);
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM report_facts WHERE conversation_id = ?").bind(played.conversationId).first<{ n: number }>();
    expect(stored?.n).toBe(played.facts.length);
  });
});
