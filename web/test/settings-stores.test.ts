// The settings stores against a fake fetch: a late answer never overwrites a newer one, "load
// more" follows the cursor without repeating entries, and a 401 is turned into an ApiError.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("$app/navigation", () => ({ goto: vi.fn(async () => undefined) }));

const { AuditLog } = await import("$lib/settings/audit-log.svelte");
const { ListResource } = await import("$lib/settings/resource.svelte");
const { goto } = await import("$app/navigation");

type Handler = (url: URL) => Promise<Response> | Response;
let handler: Handler;

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function entry(id: string, at: number) {
  return { id, at, actorId: null, actorName: "Olivia", action: "session.sign_in", targetType: null, targetId: null, ip: null, details: null };
}

beforeEach(() => {
  vi.stubGlobal("location", new URL("http://chorus.test/settings/audit"));
  vi.stubGlobal("fetch", vi.fn((input: URL | string) => handler(new URL(String(input)))));
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});

describe("ListResource", () => {
  it("keeps the newest load when an older one answers late", async () => {
    const answers: ((items: { id: string }[]) => void)[] = [];
    const list = new ListResource<{ id: string }>(() => new Promise((resolve) => answers.push(resolve)));
    const first = list.load();
    const second = list.load();
    answers[1]!([{ id: "new" }]);
    await second;
    answers[0]!([{ id: "old" }]);
    await first;
    expect(list.items).toEqual([{ id: "new" }]);
    expect(list.status).toBe("ready");
  });

  it("replaces an item by id, adds new ones first, removes", () => {
    const list = new ListResource<{ id: string; n: number }>(async () => []);
    list.items = [{ id: "a", n: 1 }, { id: "b", n: 1 }];
    list.upsert({ id: "b", n: 2 });
    list.upsert({ id: "c", n: 1 });
    list.remove("a");
    expect(list.items).toEqual([{ id: "c", n: 1 }, { id: "b", n: 2 }]);
  });
});

describe("AuditLog", () => {
  it("sends the filter, then follows the cursor without repeating entries", async () => {
    const seen: string[] = [];
    handler = (url) => {
      seen.push(url.search);
      if (!url.searchParams.get("cursor")) return json({ entries: [entry("e3", 3), entry("e2", 2)], nextCursor: "c1" });
      return json({ entries: [entry("e2", 2), entry("e1", 1)], nextCursor: null });
    };
    const log = new AuditLog();
    await log.load({ action: "session.sign_in", actor: "usr_1" });
    expect(log.entries.map((e) => e.id)).toEqual(["e3", "e2"]);
    await log.loadMore();
    expect(log.entries.map((e) => e.id)).toEqual(["e3", "e2", "e1"]);
    expect(log.nextCursor).toBeNull();
    expect(seen).toEqual(["?action=session.sign_in&actor=usr_1", "?action=session.sign_in&actor=usr_1&cursor=c1"]);
  });

  it("drops a page for a filter that was replaced meanwhile", async () => {
    let release!: () => void;
    handler = async (url) => {
      if (url.searchParams.get("action") === "slow") await new Promise<void>((resolve) => (release = resolve));
      return json({ entries: [entry(url.searchParams.get("action") ?? "all", 1)], nextCursor: null });
    };
    const log = new AuditLog();
    const slow = log.load({ action: "slow" });
    await log.load({ action: "fast" });
    release();
    await slow;
    expect(log.entries.map((e) => e.id)).toEqual(["fast"]);
    expect(log.filter).toEqual({ action: "fast" });
  });

  it("turns a 401 into an error and goes to sign-in", async () => {
    handler = () => json({ error: { code: "unauthorized", message: "Sign in." } }, 401);
    const log = new AuditLog();
    await log.load({});
    expect(log.status).toBe("error");
    expect(log.error?.code).toBe("unauthorized");
    expect(goto).toHaveBeenCalledWith("/login?next=%2Fsettings%2Faudit", { replaceState: true });
  });
});
