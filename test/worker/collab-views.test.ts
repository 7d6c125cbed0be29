/**
 * Saved views (/api/views): a user's named filter sets — create, list, rename, change, delete;
 * strictly personal; validated filters; unique names per user; API tokens keep none.
 */
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, it } from "vitest";
import { createApiToken } from "../../worker/auth/api-tokens";
import type { SavedView } from "../../worker/contracts/collaboration";
import { api, type Session } from "./helpers/collab-threads";
import { signedIn, TEST_ORIGIN } from "./helpers/session";

let anna: Session;
let ben: Session;

async function create(session: Session, body: unknown): Promise<SavedView> {
  const res = await api(session, "POST", "/api/views", body);
  if (res.status !== 201) throw new Error(`create answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { view: SavedView }).view;
}

async function views(session: Session): Promise<SavedView[]> {
  const res = await api(session, "GET", "/api/views");
  if (res.status !== 200) throw new Error(`list answered ${res.status}`);
  return ((await res.json()) as { views: SavedView[] }).views;
}

beforeAll(async () => {
  anna = await signedIn("agent");
  ben = await signedIn("agent");
});

describe("/api/views", () => {
  it("saves every filter, lists by name, renames, changes and deletes", async ({ expect }) => {
    const filters = {
      status: "open",
      assignee: "me",
      team: "team_x",
      channel: "chn_1",
      label: "lbl_1",
      window: "open",
      unread: true,
      q: "refund",
    } as const;
    const urgent = await create(anna, { name: "Urgent refunds", filters });
    expect(urgent).toEqual({ id: expect.stringMatching(/^view_/), name: "Urgent refunds", filters, createdAt: expect.any(Number), updatedAt: expect.any(Number) });
    const all = await create(anna, { name: "all closed windows", filters: { window: "closed" } });
    const empty = await create(anna, { name: "Everything" });
    expect(empty.filters).toEqual({});

    expect((await views(anna)).map((v) => v.name)).toEqual(["all closed windows", "Everything", "Urgent refunds"]);

    const renamed = await api(anna, "PATCH", `/api/views/${all.id}`, { name: "Closed windows" });
    expect(renamed.status).toBe(200);
    expect(((await renamed.json()) as { view: SavedView }).view).toMatchObject({ name: "Closed windows", filters: { window: "closed" } });
    const refiltered = await api(anna, "PATCH", `/api/views/${all.id}`, { filters: { unread: false, status: "pending" } });
    expect(((await refiltered.json()) as { view: SavedView }).view).toMatchObject({ name: "Closed windows", filters: { unread: false, status: "pending" } });
    expect((await views(anna)).find((v) => v.id === all.id)!.filters).toEqual({ unread: false, status: "pending" });

    expect((await api(anna, "DELETE", `/api/views/${empty.id}`)).status).toBe(204);
    expect((await api(anna, "DELETE", `/api/views/${empty.id}`)).status).toBe(404);
    expect((await views(anna)).map((v) => v.id)).toEqual([all.id, urgent.id]);
  });

  it("keeps views personal: another user's view is a 404 and never listed", async ({ expect }) => {
    const mine = await create(anna, { name: "Anna only", filters: { assignee: "me" } });
    expect((await views(ben)).some((v) => v.id === mine.id)).toBe(false);
    expect((await api(ben, "PATCH", `/api/views/${mine.id}`, { name: "Taken over" })).status).toBe(404);
    expect((await api(ben, "DELETE", `/api/views/${mine.id}`)).status).toBe(404);
    // Ben may use the same name for his own view.
    await create(ben, { name: "Anna only", filters: {} });
  });

  it("refuses a second view with the same name (any case) for the same user", async ({ expect }) => {
    await create(anna, { name: "Mine" });
    const dup = await api(anna, "POST", "/api/views", { name: "MINE" });
    expect(dup.status).toBe(409);
    expect(await dup.json()).toMatchObject({ error: { code: "view_exists" } });
    const other = await create(anna, { name: "Other" });
    expect((await api(anna, "PATCH", `/api/views/${other.id}`, { name: "mine" })).status).toBe(409);
  });

  it("validates names and filters, naming the field", async ({ expect }) => {
    const cases: Array<[unknown, string]> = [
      [{ name: "" }, "name"],
      [{ name: "x".repeat(61) }, "name"],
      [{ name: "Bad status", filters: { status: "resolved" } }, "filters.status"],
      [{ name: "Bad window", filters: { window: "maybe" } }, "filters.window"],
      [{ name: "Bad unread", filters: { unread: "yes" } }, "filters.unread"],
      [{ name: "Unknown filter", filters: { colour: "red" } }, "filters"],
      [{ name: "Long q", filters: { q: "x".repeat(201) } }, "filters.q"],
      [{ name: "Extra", filters: {}, pinned: true }, ""],
    ];
    for (const [body, field] of cases) {
      const res = await api(anna, "POST", "/api/views", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = ((await res.json()) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe("invalid_request");
      expect(error.message).toContain(field);
    }
    expect((await api(anna, "PATCH", "/api/views/view_missing", { name: "x" })).status).toBe(404);
    expect((await api(null, "GET", "/api/views")).status).toBe(401);
  });

  it("an API token has no views and cannot save one", async ({ expect }) => {
    const { token } = await createApiToken(env.DB, { name: "bot", role: "agent", expiresAt: null, createdBy: anna.user.id });
    const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
    const listed = await exports.default.fetch(`${TEST_ORIGIN}/api/views`, { headers });
    expect(await listed.json()).toEqual({ views: [] });
    const created = await exports.default.fetch(`${TEST_ORIGIN}/api/views`, { method: "POST", headers, body: JSON.stringify({ name: "Bot view" }) });
    expect(created.status).toBe(403);
  });
});
