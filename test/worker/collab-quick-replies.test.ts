/**
 * Quick replies: the render function shared with the web composer, and /api/quick-replies —
 * personal and shared scopes, who may change what, shortcut rules, variable validation.
 */
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../../worker/auth/api-tokens";
import type { QuickReply } from "../../worker/contracts/collaboration";
import { renderQuickReply, unknownVariables } from "../../worker/contracts/quick-reply-render";
import { api, type Session } from "./helpers/collab-threads";
import { signedIn, TEST_ORIGIN } from "./helpers/session";

let owner: Session;
let manager: Session;
let anna: Session;
let ben: Session;

async function create(session: Session, body: Record<string, unknown>): Promise<QuickReply> {
  const res = await api(session, "POST", "/api/quick-replies", body);
  if (res.status !== 201) throw new Error(`create answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { quickReply: QuickReply }).quickReply;
}

async function list(session: Session, q?: string): Promise<QuickReply[]> {
  const res = await api(session, "GET", `/api/quick-replies${q === undefined ? "" : `?q=${encodeURIComponent(q)}`}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { quickReplies: QuickReply[] }).quickReplies;
}

beforeAll(async () => {
  owner = await signedIn("owner");
  manager = await signedIn("manager");
  anna = await signedIn("agent");
  ben = await signedIn("agent");
});

describe("renderQuickReply", () => {
  const context = { contact: { name: "Hanako Yamada", waId: "819012345678" }, agent: { name: "Ben Ito" } };

  it("fills contact and agent variables, with spaces inside the braces", ({ expect }) => {
    expect(renderQuickReply("Hi {{contact.name}}, this is {{ agent.first_name }}. We have {{contact.phone}}.", context)).toBe(
      "Hi Hanako Yamada, this is Ben. We have +819012345678.",
    );
    expect(renderQuickReply("{{contact.first_name}}/{{agent.name}}", context)).toBe("Hanako/Ben Ito");
    expect(renderQuickReply("{{contact.phone}}", { contact: { phone: "+1 555 0100", waId: "15550100" } })).toBe("+1 555 0100");
  });

  it("uses the fallback, or nothing, when a value is unknown; leaves unknown variables visible", ({ expect }) => {
    expect(renderQuickReply("Hi {{contact.first_name | there}}!", { contact: { name: null } })).toBe("Hi there!");
    expect(renderQuickReply("Hi {{contact.name}}!", {})).toBe("Hi !");
    expect(renderQuickReply("Order {{order.id}}", context)).toBe("Order {{order.id}}");
    expect(unknownVariables("{{order.id}} {{contact.name}} {{order.id}} {{x}}")).toEqual(["order.id", "x"]);
  });
});

describe("/api/quick-replies", () => {
  it("lists my personal replies and the shared ones, never someone else's personal ones", async ({ expect }) => {
    const mine = await create(anna, { shortcut: "thanks", text: "Thank you {{contact.first_name|}}!" });
    expect(mine).toMatchObject({ shortcut: "thanks", shared: false, createdAt: expect.any(Number) });
    const shared = await create(manager, { shortcut: "hours", text: "We are open 9–18, Monday to Friday.", shared: true });
    expect(shared.shared).toBe(true);
    await create(ben, { shortcut: "bens", text: "Ben's own" });

    const annas = await list(anna);
    expect(annas.map((q) => q.id)).toEqual(expect.arrayContaining([mine.id, shared.id]));
    expect(annas.some((q) => q.shortcut === "bens")).toBe(false);
    expect((await list(ben)).some((q) => q.id === mine.id)).toBe(false);
  });

  it("keeps a shortcut unique within its scope, not across scopes; personal first for the same shortcut", async ({ expect }) => {
    await create(anna, { shortcut: "greet", text: "Hello!" });
    const dup = await api(anna, "POST", "/api/quick-replies", { shortcut: "greet", text: "Hi again" });
    expect(dup.status).toBe(409);
    expect(await dup.json()).toMatchObject({ error: { code: "shortcut_taken" } });
    // Ben may have his own /greet, and the workspace a shared one.
    await create(ben, { shortcut: "greet", text: "Ben says hello" });
    await create(owner, { shortcut: "greet", text: "Hello from all of us", shared: true });
    const sharedDup = await api(manager, "POST", "/api/quick-replies", { shortcut: "greet", text: "Another", shared: true });
    expect(sharedDup.status).toBe(409);

    const greets = (await list(anna, "/greet")).filter((q) => q.shortcut === "greet");
    expect(greets.map((q) => [q.text, q.shared])).toEqual([
      ["Hello!", false],
      ["Hello from all of us", true],
    ]);
  });

  it("filters by shortcut prefix or text", async ({ expect }) => {
    await create(anna, { shortcut: "ship-eta", text: "Your parcel ships within 2 days." });
    expect((await list(anna, "ship")).map((q) => q.shortcut)).toContain("ship-eta");
    expect((await list(anna, "PARCEL")).map((q) => q.shortcut)).toContain("ship-eta");
    // The shortcut matches from its start only ("eta" is inside it, not in the text).
    expect((await list(anna, "eta")).map((q) => q.shortcut)).not.toContain("ship-eta");
  });

  it("validates shortcut and text", async ({ expect }) => {
    for (const shortcut of ["/hi", "Hi", "has space", "", "x".repeat(33), "émoji"]) {
      const res = await api(anna, "POST", "/api/quick-replies", { shortcut, text: "x" });
      expect(res.status, shortcut).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: "invalid_request", message: expect.stringContaining("shortcut") } });
    }
    const unknown = await api(anna, "POST", "/api/quick-replies", { shortcut: "bad-var", text: "Hi {{customer.name}}" });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: { code: "invalid_request", message: expect.stringMatching(/^text: Unknown variable \{\{customer\.name\}\}/) } });
    const fine = await create(anna, { shortcut: "vars-ok", text: "Hi {{ contact.first_name | there }}" });
    expect((await api(anna, "PATCH", `/api/quick-replies/${fine.id}`, { text: "{{agent.nick}}" })).status).toBe(400);
    expect((await api(anna, "POST", "/api/quick-replies", { shortcut: "empty", text: "   " })).status).toBe(400);
    expect((await api(anna, "POST", "/api/quick-replies", { shortcut: "long", text: "x".repeat(4097) })).status).toBe(400);
    expect((await api(anna, "POST", "/api/quick-replies", { shortcut: "ok", text: "x", shared: "yes" })).status).toBe(400);
  });

  it("lets only Owner and Manager create, change and delete shared replies (audited)", async ({ expect }) => {
    const forbidden = await api(anna, "POST", "/api/quick-replies", { shortcut: "mine-shared", text: "x", shared: true });
    expect(forbidden.status).toBe(403);
    const shared = await create(owner, { shortcut: "refund", text: "Refunds take 5 days.", shared: true });
    expect((await api(anna, "PATCH", `/api/quick-replies/${shared.id}`, { text: "changed" })).status).toBe(403);
    expect((await api(anna, "DELETE", `/api/quick-replies/${shared.id}`)).status).toBe(403);

    const changed = await api(manager, "PATCH", `/api/quick-replies/${shared.id}`, { text: "Refunds take 3 days, {{contact.name}}." });
    expect(changed.status).toBe(200);
    expect(((await changed.json()) as { quickReply: QuickReply }).quickReply).toMatchObject({ id: shared.id, shortcut: "refund", shared: true });
    expect((await api(manager, "DELETE", `/api/quick-replies/${shared.id}`)).status).toBe(204);
    expect((await api(manager, "DELETE", `/api/quick-replies/${shared.id}`)).status).toBe(404);

    const audit = await env.DB.prepare("SELECT action FROM audit_log WHERE target_id = ? ORDER BY at").bind(shared.id).all<{ action: string }>();
    expect(audit.results.map((r) => r.action)).toEqual(["quick_reply.created", "quick_reply.updated", "quick_reply.deleted"]);
  });

  it("keeps personal replies personal: another user's is a 404, even for the Owner", async ({ expect }) => {
    const mine = await create(anna, { shortcut: "private", text: "Just mine" });
    expect((await api(ben, "PATCH", `/api/quick-replies/${mine.id}`, { text: "hijack" })).status).toBe(404);
    expect((await api(owner, "DELETE", `/api/quick-replies/${mine.id}`)).status).toBe(404);
    const renamed = await api(anna, "PATCH", `/api/quick-replies/${mine.id}`, { shortcut: "private2" });
    expect(((await renamed.json()) as { quickReply: QuickReply }).quickReply).toMatchObject({ shortcut: "private2", text: "Just mine" });
    await create(anna, { shortcut: "taken", text: "x" });
    expect((await api(anna, "PATCH", `/api/quick-replies/${mine.id}`, { shortcut: "taken" })).status).toBe(409);
    expect((await api(anna, "DELETE", `/api/quick-replies/${mine.id}`)).status).toBe(204);
  });

  it("an API token reads shared replies and may not keep personal ones", async ({ expect }) => {
    const { token } = await createApiToken(env.DB, { name: "crm", role: "manager", expiresAt: null, createdBy: owner.user.id });
    const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
    const listed = await exports.default.fetch(`${TEST_ORIGIN}/api/quick-replies`, { headers });
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { quickReplies: QuickReply[] }).quickReplies.every((q) => q.shared)).toBe(true);
    const personal = await exports.default.fetch(`${TEST_ORIGIN}/api/quick-replies`, {
      method: "POST",
      headers,
      body: JSON.stringify({ shortcut: "tok", text: "x" }),
    });
    expect(personal.status).toBe(403);
    const shared = await exports.default.fetch(`${TEST_ORIGIN}/api/quick-replies`, {
      method: "POST",
      headers,
      body: JSON.stringify({ shortcut: "tok-shared", text: "x", shared: true }),
    });
    expect(shared.status).toBe(201);
    expect((await api(null, "GET", "/api/quick-replies")).status).toBe(401);
  });
});
