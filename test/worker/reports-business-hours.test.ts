/**
 * Business hours: per-channel weekly hours in an IANA zone with holidays, computed with the Intl
 * API; waits across midnight and a weekend; the same instants in two time zones; DST; the SQL
 * arithmetic (facts in D1) agreeing with the JavaScript one; the workspace timezone moving facts to
 * their local day; changing hours later recomputing past figures; validation and roles.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { businessOverlap, openIntervals, type BusinessHoursConfig } from "../../worker/reports/open-hours";
import { localToUtc, offsetAt, offsetChanges } from "../../worker/reports/time-zones";
import { call, expectStatus } from "./helpers/inbox";
import { channelFigures, HOUR, MIN, recordThread, weekdays } from "./helpers/reports";
import { signedIn } from "./helpers/session";

const TOKYO = weekdays("Asia/Tokyo", "09:00", "18:00") as BusinessHoursConfig;
const NEW_YORK = weekdays("America/New_York", "09:00", "17:00") as BusinessHoursConfig;
// Friday 2026-03-06 17:30 in Tokyo (UTC+9) = 08:30 UTC; Monday 2026-03-09 09:30 in Tokyo = 00:30 UTC.
const FRI_1730_JST = Date.UTC(2026, 2, 6, 8, 30);
const MON_0930_JST = Date.UTC(2026, 2, 9, 0, 30);

function overlap(config: BusinessHoursConfig, start: number, end: number): number {
  return businessOverlap(openIntervals(config, start - 8 * 86_400_000, end + 8 * 86_400_000), start, end);
}

describe("time zones through Intl", () => {
  it("knows offsets, DST changes and local times", ({ expect }) => {
    expect(offsetAt("Asia/Tokyo", Date.UTC(2026, 0, 1))).toBe(9 * HOUR);
    expect(offsetAt("America/New_York", Date.UTC(2026, 0, 15))).toBe(-5 * HOUR);
    expect(offsetAt("America/New_York", Date.UTC(2026, 6, 15))).toBe(-4 * HOUR);
    // 2026: clocks go forward on March 8 at 02:00 EST (07:00 UTC) and back on November 1.
    const changes = offsetChanges("America/New_York", Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1));
    expect(changes.map((c) => c.from)).toEqual([Date.UTC(2026, 0, 1), Date.UTC(2026, 2, 8, 7), Date.UTC(2026, 10, 1, 6)]);
    // 09:00 local on the Mondays either side of the change.
    expect(localToUtc(changes, Date.UTC(2026, 2, 2, 9))).toBe(Date.UTC(2026, 2, 2, 14));
    expect(localToUtc(changes, Date.UTC(2026, 2, 9, 9))).toBe(Date.UTC(2026, 2, 9, 13));
  });
});

describe("business time (hand-computed)", () => {
  it("counts a wait over a weekend only within the hours: Fri 17:30 → Mon 09:30 in Tokyo is 1 hour", ({ expect }) => {
    expect(MON_0930_JST - FRI_1730_JST).toBe(64 * HOUR);
    expect(overlap(TOKYO, FRI_1730_JST, MON_0930_JST)).toBe(HOUR);
  });

  it("gives the same instants another business time in another zone (New York: all of Friday's 8 hours)", ({ expect }) => {
    // In New York the wait runs Fri 03:30 EST → Sun 20:30 EDT.
    expect(overlap(NEW_YORK, FRI_1730_JST, MON_0930_JST)).toBe(8 * HOUR);
  });

  it("counts across midnight: Tue 17:00 → Wed 10:00 is 2 hours; a night shift 22:00–02:00 counts 23:30 → 00:30", ({ expect }) => {
    const tue1700 = Date.UTC(2026, 2, 3, 8); // 17:00 JST
    const wed1000 = Date.UTC(2026, 2, 4, 1); // 10:00 JST
    expect(overlap(TOKYO, tue1700, wed1000)).toBe(2 * HOUR);
    const night: BusinessHoursConfig = {
      timezone: "UTC",
      weekly: Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [["00:00", "02:00"], ["22:00", "24:00"]]])) as BusinessHoursConfig["weekly"],
      holidays: [],
    };
    expect(overlap(night, Date.UTC(2026, 2, 3, 23, 30), Date.UTC(2026, 2, 4, 0, 30))).toBe(HOUR);
    expect(overlap(night, Date.UTC(2026, 2, 4, 1, 30), Date.UTC(2026, 2, 4, 22, 30))).toBe(HOUR);
  });

  it("skips holidays: with Monday off, Fri 17:30 → Tue 09:30 is still 1 hour", ({ expect }) => {
    const withHoliday = weekdays("Asia/Tokyo", "09:00", "18:00", ["2026-03-09"]) as BusinessHoursConfig;
    expect(overlap(withHoliday, FRI_1730_JST, MON_0930_JST + 24 * HOUR)).toBe(HOUR);
    expect(overlap(TOKYO, FRI_1730_JST, MON_0930_JST + 24 * HOUR)).toBe(HOUR + 9 * HOUR);
  });

  it("follows DST: New York's Monday hours start at 14:00 UTC before the change and 13:00 UTC after", ({ expect }) => {
    const intervals = openIntervals(NEW_YORK, Date.UTC(2026, 2, 1), Date.UTC(2026, 2, 11));
    expect(intervals).toContainEqual([Date.UTC(2026, 2, 2, 14), Date.UTC(2026, 2, 2, 22)]);
    expect(intervals).toContainEqual([Date.UTC(2026, 2, 9, 13), Date.UTC(2026, 2, 9, 21)]);
  });
});

describe("business hours in reports", () => {
  async function channelRow(phoneNumberId: string): Promise<string> {
    const id = `chn_bh_${crypto.randomUUID().slice(0, 8)}`;
    await env.DB.prepare("INSERT INTO channels (id, phone_number_id, name, created_at) VALUES (?, ?, ?, ?)").bind(id, phoneNumberId, `Line ${phoneNumberId}`, Date.now()).run();
    return id;
  }

  it("computes business time per channel in SQL, each in its own zone, and recomputes the past when hours change", async ({ expect }) => {
    const owner = await signedIn("owner");
    const tokyo = await channelRow("bh-tokyo");
    const newYork = await channelRow("bh-ny");
    await expectStatus(await call(owner, "PUT", `/api/business-hours/channels/${tokyo}`, TOKYO), 200);

    const steps = [{ in: FRI_1730_JST }, { out: MON_0930_JST, by: "usr_bh" }, { status: "closed" as const, at: MON_0930_JST + 30 * MIN }];
    await recordThread({ channelId: tokyo, steps });
    // New York has no hours yet: it follows the workspace (open around the clock).
    await recordThread({ channelId: newYork, steps });

    const from = "2026-03-06";
    const to = "2026-03-09";
    const tokyoBusiness = await channelFigures(owner, tokyo, from, to, true);
    expect(tokyoBusiness.firstResponse.median).toBe(HOUR);
    expect(tokyoBusiness.resolution.median).toBe(HOUR + 30 * MIN);
    const tokyoCalendar = await channelFigures(owner, tokyo, from, to, false);
    expect(tokyoCalendar.firstResponse.median).toBe(64 * HOUR);
    expect((await channelFigures(owner, newYork, from, to, true)).firstResponse.median).toBe(64 * HOUR);

    // The Owner sets New York's hours afterwards: its past facts are recomputed.
    await expectStatus(await call(owner, "PUT", `/api/business-hours/channels/${newYork}`, NEW_YORK), 200);
    expect((await channelFigures(owner, newYork, from, to, true)).firstResponse.median).toBe(8 * HOUR);
    expect((await channelFigures(owner, tokyo, from, to, true)).firstResponse.median).toBe(HOUR);
    // Counts in business mode are what happened within business hours: the message came at 17:30
    // on Friday in Tokyo (open until 18:00) and at 03:30 in New York (closed).
    expect(tokyoBusiness.messagesIn).toBe(1);
    expect((await channelFigures(owner, newYork, from, to, true)).messagesIn).toBe(0);
    expect((await channelFigures(owner, newYork, from, to, false)).messagesIn).toBe(1);

    // Back to the workspace hours: business time equals calendar time again.
    await expectStatus(await call(owner, "DELETE", `/api/business-hours/channels/${newYork}`), 200);
    expect((await channelFigures(owner, newYork, from, to, true)).firstResponse.median).toBe(64 * HOUR);
  });

  it("puts facts on their day in the workspace timezone", async ({ expect }) => {
    const owner = await signedIn("owner");
    const chn = `chn_tz_${crypto.randomUUID().slice(0, 8)}`;
    // 23:30 UTC on Wednesday 2026-03-11 is 08:30 on Thursday in Tokyo.
    const t = Date.UTC(2026, 2, 11, 23, 30);
    await recordThread({ channelId: chn, steps: [{ in: t }] });
    const byDay = async () =>
      (
        await expectStatus<{ timezone: string; rows: Array<{ key: string; figures: { messagesIn: number } }> }>(
          await call(owner, "GET", "/api/reports/breakdown?by=bucket&bucket=day&from=2026-03-11&to=2026-03-12"),
          200,
        )
      ).rows.map((r) => [r.key, r.figures.messagesIn]);
    expect(await byDay()).toEqual([["2026-03-11", 1], ["2026-03-12", 0]]);

    await expectStatus(await call(owner, "PUT", "/api/business-hours", { ...weekdays("Asia/Tokyo", "00:00", "24:00"), weekly: { ...weekdays("Asia/Tokyo", "00:00", "24:00").weekly, sat: [["00:00", "24:00"]], sun: [["00:00", "24:00"]] } }), 200);
    expect(await byDay()).toEqual([["2026-03-11", 0], ["2026-03-12", 1]]);
    const hours = await expectStatus<{ rows: Array<{ key: string; figures: { messagesIn: number } }> }>(
      await call(owner, "GET", "/api/reports/breakdown?by=bucket&bucket=hour&from=2026-03-12&to=2026-03-12"),
      200,
    );
    expect(hours.rows.find((r) => r.figures.messagesIn > 0)?.key).toBe("2026-03-12T08:00");

    // Back to UTC for the other tests of this file.
    await expectStatus(await call(owner, "PUT", "/api/business-hours", weekdays("UTC", "00:00", "24:00")), 200);
  });

  it("refuses hours that make no sense, naming the field, and lets only the Owner change them", async ({ expect }) => {
    const owner = await signedIn("owner");
    const manager = await signedIn("manager");
    const bad = async (body: unknown, field: string) => {
      const res = await expectStatus<{ error: { code: string; message: string } }>(await call(owner, "PUT", "/api/business-hours", body), 400);
      expect(res.error.code).toBe("invalid_request");
      expect(res.error.message.startsWith(field)).toBe(true);
    };
    await bad(weekdays("Mars/Olympus", "09:00", "18:00"), "timezone");
    await bad(weekdays("UTC", "18:00", "09:00"), "weekly.mon");
    await bad(weekdays("UTC", "09:00", "25:00"), "weekly.mon");
    await bad({ ...weekdays("UTC", "09:00", "18:00"), weekly: { ...weekdays("UTC", "09:00", "18:00").weekly, tue: [["09:00", "13:00"], ["12:00", "18:00"]] } }, "weekly.tue");
    await bad(weekdays("UTC", "09:00", "18:00", ["2026-02-30"]), "holidays");
    await bad({ timezone: "UTC" }, "weekly");
    expect((await call(manager, "PUT", "/api/business-hours", weekdays("UTC", "09:00", "18:00"))).status).toBe(403);
    expect((await call(owner, "PUT", "/api/business-hours/channels/chn_nope", weekdays("UTC", "09:00", "18:00"))).status).toBe(404);
    const read = await expectStatus<{ workspace: { timezone: string } }>(await call(manager, "GET", "/api/business-hours"), 200);
    expect(read.workspace.timezone).toBe("UTC");
  });
});
