/** Team and access (issue 3): invitations, users, teams, API tokens, throttling, audit log. */
import { env, exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { MAX_FAILURES_PER_ACCOUNT } from "../../worker/auth/throttle";
import { createUser, signedIn, TEST_ORIGIN, TEST_PASSWORD } from "./helpers/session";

type Json = Record<string, any>;

function call(path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) {
  return exports.default.fetch(`${TEST_ORIGIN}${path}`, {
    method: init.method ?? "GET",
    headers: { Origin: TEST_ORIGIN, "Content-Type": "application/json", ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

const cookieOf = (res: Response) => (res.headers.get("Set-Cookie") ?? "").split(";")[0]!;

describe("invitations", () => {
  it("an owner invites an agent into a team; the link works once and signs the agent in", async ({ expect }) => {
    const owner = await signedIn("owner");
    const team = await (await call("/api/teams", { method: "POST", headers: owner.headers, body: { name: "Support" } })).json<Json>();
    const created = await call("/api/invitations", {
      method: "POST",
      headers: owner.headers,
      body: { email: "Ada@Example.com", role: "agent", teamIds: [team.team.id] },
    });
    expect(created.status).toBe(201);
    const invite = await created.json<Json>();
    expect(invite.url).toBe(`${TEST_ORIGIN}/invite#${invite.token}`);
    expect(invite.invitation).toMatchObject({ email: "ada@example.com", role: "agent", state: "pending", teams: [{ name: "Support" }] });
    expect(invite.expiresAt - Date.now()).toBeGreaterThan(6.9 * 24 * 3600 * 1000);

    const preview = await call(`/api/invitations/lookup?token=${invite.token}`);
    expect(await preview.json()).toMatchObject({ email: "ada@example.com", role: "agent" });

    const accepted = await call("/api/invitations/accept", { method: "POST", body: { token: invite.token, name: "Ada", password: "ada's long password" } });
    expect(accepted.status).toBe(201);
    expect(await accepted.json()).toMatchObject({ user: { name: "Ada", role: "agent", teams: [{ name: "Support" }] } });
    const me = await call("/api/session", { headers: { Cookie: cookieOf(accepted) } });
    expect(me.status).toBe(200);

    const again = await call("/api/invitations/accept", { method: "POST", body: { token: invite.token, name: "Eve", password: "eve's long password" } });
    expect(again.status).toBe(404);
    expect(await again.json()).toMatchObject({ error: { code: "invitation_invalid" } });

    const list = await (await call("/api/invitations", { headers: owner.headers })).json<Json>();
    expect(list.invitations[0]).toMatchObject({ email: "ada@example.com", state: "accepted" });
  });

  it("refuses an expired or revoked invitation", async ({ expect }) => {
    const owner = await signedIn("owner");
    const a = await (await call("/api/invitations", { method: "POST", headers: owner.headers, body: { email: "a@example.com", role: "agent" } })).json<Json>();
    const b = await (await call("/api/invitations", { method: "POST", headers: owner.headers, body: { email: "b@example.com", role: "agent" } })).json<Json>();
    await env.DB.prepare("UPDATE user_links SET expires_at = ? WHERE id = ?").bind(Date.now() - 1, a.invitation.id).run();
    expect((await call(`/api/invitations/${b.invitation.id}`, { method: "DELETE", headers: owner.headers })).status).toBe(204);
    for (const token of [a.token, b.token]) {
      const res = await call("/api/invitations/accept", { method: "POST", body: { token, name: "X", password: "a long password!" } });
      expect(res.status).toBe(404);
    }
    const states = (await (await call("/api/invitations", { headers: owner.headers })).json<Json>()).invitations.map((i: Json) => [i.email, i.state]);
    expect(states).toEqual(expect.arrayContaining([["a@example.com", "expired"], ["b@example.com", "revoked"]]));
  });

  it("a manager cannot invite an owner; an agent cannot invite at all", async ({ expect }) => {
    const manager = await signedIn("manager");
    const agent = await signedIn("agent");
    const asManager = await call("/api/invitations", { method: "POST", headers: manager.headers, body: { email: "o@example.com", role: "owner" } });
    expect(asManager.status).toBe(403);
    const ok = await call("/api/invitations", { method: "POST", headers: manager.headers, body: { email: "m@example.com", role: "manager" } });
    expect(ok.status).toBe(201);
    const asAgent = await call("/api/invitations", { method: "POST", headers: agent.headers, body: { email: "x@example.com", role: "agent" } });
    expect(asAgent.status).toBe(403);
  });
});

describe("users", () => {
  it("deactivating a user ends all their sessions at once", async ({ expect }) => {
    const owner = await signedIn("owner");
    const agent = await signedIn("agent");
    expect((await call("/api/session", { headers: agent.headers })).status).toBe(200);
    const res = await call(`/api/users/${agent.user.id}/deactivate`, { method: "POST", headers: owner.headers });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user: { active: false } });
    expect((await call("/api/session", { headers: agent.headers })).status).toBe(401);
    const signIn = await call("/api/session", { method: "POST", body: { email: agent.user.email, password: TEST_PASSWORD } });
    expect(signIn.status).toBe(401);
  });

  it("changes roles, but never leaves the workspace without an owner and never lets a manager touch an owner", async ({ expect }) => {
    const owner = await signedIn("owner");
    const manager = await signedIn("manager");
    const agent = await createUser("agent");
    const promote = await call(`/api/users/${agent.id}`, { method: "PATCH", headers: manager.headers, body: { role: "manager" } });
    expect(promote.status).toBe(200);
    expect((await call(`/api/users/${agent.id}`, { method: "PATCH", headers: manager.headers, body: { role: "owner" } })).status).toBe(403);
    expect((await call(`/api/users/${owner.user.id}/deactivate`, { method: "POST", headers: manager.headers })).status).toBe(403);
    const self = await call(`/api/users/${owner.user.id}`, { method: "PATCH", headers: owner.headers, body: { role: "agent" } });
    expect(self.status).toBe(422);
  });

  it("an owner issues a password-reset link that sets a new password and ends the old sessions", async ({ expect }) => {
    const owner = await signedIn("owner");
    const agent = await signedIn("agent");
    const link = await (await call(`/api/users/${agent.user.id}/password-reset`, { method: "POST", headers: owner.headers })).json<Json>();
    expect(link.url).toBe(`${TEST_ORIGIN}/reset-password#${link.token}`);
    const used = await call("/api/password-resets/accept", { method: "POST", body: { token: link.token, password: "a brand new password" } });
    expect(used.status).toBe(200);
    expect((await call("/api/session", { headers: agent.headers })).status).toBe(401);
    const signIn = await call("/api/session", { method: "POST", body: { email: agent.user.email, password: "a brand new password" } });
    expect(signIn.status).toBe(200);
    expect((await call("/api/password-resets/accept", { method: "POST", body: { token: link.token, password: "yet another password" } })).status).toBe(404);
  });

  it("changing one's own password ends the other sessions but keeps this one", async ({ expect }) => {
    const user = await createUser("agent");
    const first = await call("/api/session", { method: "POST", body: { email: user.email, password: TEST_PASSWORD } });
    const second = await call("/api/session", { method: "POST", body: { email: user.email, password: TEST_PASSWORD } });
    const wrong = await call("/api/session/password", {
      method: "POST",
      headers: { Cookie: cookieOf(first) },
      body: { currentPassword: "not it at all", newPassword: "a fresh long password" },
    });
    expect(wrong.status).toBe(403);
    const changed = await call("/api/session/password", {
      method: "POST",
      headers: { Cookie: cookieOf(first) },
      body: { currentPassword: TEST_PASSWORD, newPassword: "a fresh long password" },
    });
    expect(changed.status).toBe(204);
    expect((await call("/api/session", { headers: { Cookie: cookieOf(first) } })).status).toBe(200);
    expect((await call("/api/session", { headers: { Cookie: cookieOf(second) } })).status).toBe(401);
  });

  it("updates the profile: name, language and availability", async ({ expect }) => {
    const agent = await signedIn("agent");
    const res = await call("/api/session", { method: "PATCH", headers: agent.headers, body: { name: "Ann", language: "ja", availability: "online" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user: { name: "Ann", language: "ja", availability: "online" } });
    const row = await env.DB.prepare("SELECT availability FROM users WHERE id = ?").bind(agent.user.id).first<{ availability: string }>();
    expect(row?.availability).toBe("online");
    expect((await call("/api/session", { method: "PATCH", headers: agent.headers, body: { availability: "busy" } })).status).toBe(400);
  });
});

describe("teams", () => {
  it("creates, renames, sets members and deletes; names are unique", async ({ expect }) => {
    const manager = await signedIn("manager");
    const agent = await createUser("agent");
    const created = await (await call("/api/teams", { method: "POST", headers: manager.headers, body: { name: "Sales", memberIds: [agent.id] } })).json<Json>();
    expect(created.team.members).toEqual([{ id: agent.id, name: agent.name }]);
    expect((await call("/api/teams", { method: "POST", headers: manager.headers, body: { name: "Sales" } })).status).toBe(409);
    const renamed = await call(`/api/teams/${created.team.id}`, { method: "PATCH", headers: manager.headers, body: { name: "Sales EU", memberIds: [] } });
    expect(await renamed.json()).toMatchObject({ team: { name: "Sales EU", members: [] } });
    expect((await call(`/api/teams/${created.team.id}`, { method: "DELETE", headers: manager.headers })).status).toBe(204);
    expect((await call(`/api/teams/${created.team.id}`, { method: "DELETE", headers: manager.headers })).status).toBe(404);
  });
});

describe("API tokens", () => {
  it("are shown once, stored hashed, authenticate with Bearer, record last use and can be revoked", async ({ expect }) => {
    const owner = await signedIn("owner");
    const created = await call("/api/tokens", { method: "POST", headers: owner.headers, body: { name: "CRM", role: "manager" } });
    expect(created.status).toBe(201);
    const { token, apiToken } = await created.json<Json>();
    expect(token).toMatch(/^chorus_[A-Za-z0-9_-]{43}$/);
    const stored = await env.DB.prepare("SELECT token_hash FROM api_tokens WHERE id = ?").bind(apiToken.id).first<{ token_hash: string }>();
    expect(stored!.token_hash).not.toContain(token.slice(7));

    const me = await exports.default.fetch(`${TEST_ORIGIN}/api/session`, { headers: { Authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ user: { role: "manager" } });
    const users = await exports.default.fetch(`${TEST_ORIGIN}/api/users`, { headers: { Authorization: `Bearer ${token}` } });
    expect(users.status).toBe(200);
    const listed = await (await call("/api/tokens", { headers: owner.headers })).json<Json>();
    expect(listed.tokens[0].lastUsedAt).toEqual(expect.any(Number));
    expect(JSON.stringify(listed)).not.toContain(token);

    const tampered = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
    expect((await exports.default.fetch(`${TEST_ORIGIN}/api/session`, { headers: { Authorization: `Bearer ${tampered}` } })).status).toBe(401);

    expect((await call(`/api/tokens/${apiToken.id}`, { method: "DELETE", headers: owner.headers })).status).toBe(204);
    expect((await exports.default.fetch(`${TEST_ORIGIN}/api/session`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it("refuses an expired token, and only an owner manages tokens", async ({ expect }) => {
    const owner = await signedIn("owner");
    const manager = await signedIn("manager");
    expect((await call("/api/tokens", { headers: manager.headers })).status).toBe(403);
    const { token, apiToken } = await (await call("/api/tokens", { method: "POST", headers: owner.headers, body: { name: "Zap", role: "agent", expiresAt: Date.now() + 60_000 } })).json<Json>();
    await env.DB.prepare("UPDATE api_tokens SET expires_at = ? WHERE id = ?").bind(Date.now() - 1, apiToken.id).run();
    expect((await exports.default.fetch(`${TEST_ORIGIN}/api/session`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(401);
  });
});

describe("sign-in throttling", () => {
  it("answers 429 with Retry-After after too many failures, for known and unknown emails alike", async ({ expect }) => {
    const user = await createUser("agent");
    for (const email of [user.email, "ghost@example.com"]) {
      for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT; i++) {
        const res = await call("/api/session", { method: "POST", body: { email, password: "wrong password" } });
        expect(res.status).toBe(401);
      }
      const blocked = await call("/api/session", { method: "POST", body: { email, password: "wrong password" } });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get("Retry-After"))).toBeGreaterThan(0);
      expect(await blocked.json()).toMatchObject({ error: { code: "rate_limited" } });
    }
    // Even the right password waits out the window: a guesser learns nothing from a late success.
    const right = await call("/api/session", { method: "POST", body: { email: user.email, password: TEST_PASSWORD } });
    expect(right.status).toBe(429);
  });
});

describe("audit log", () => {
  it("records sign-ins, failures, invitations and token changes, and only the owner reads it", async ({ expect }) => {
    const owner = await signedIn("owner");
    const manager = await signedIn("manager");
    const user = await createUser("agent");
    await call("/api/session", { method: "POST", body: { email: user.email, password: "wrong password" } });
    await call("/api/session", { method: "POST", body: { email: user.email, password: TEST_PASSWORD } });
    await call("/api/invitations", { method: "POST", headers: owner.headers, body: { email: "n@example.com", role: "agent" } });
    expect((await call("/api/audit-log", { headers: manager.headers })).status).toBe(403);
    const log = await (await call("/api/audit-log", { headers: owner.headers })).json<Json>();
    const actions = log.entries.map((e: Json) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["session.sign_in_failed", "session.sign_in", "invitation.created"]));
    const filtered = await (await call("/api/audit-log?action=session.sign_in", { headers: owner.headers })).json<Json>();
    expect(filtered.entries.every((e: Json) => e.action === "session.sign_in")).toBe(true);
    expect(filtered.entries[0]).toMatchObject({ actorId: user.id });
  });
});

describe("workspace settings", () => {
  it("everyone reads them; only the owner changes them", async ({ expect }) => {
    const owner = await signedIn("owner");
    const agent = await signedIn("agent");
    expect(await (await call("/api/settings", { headers: agent.headers })).json()).toEqual({ settings: { agentsSeeAllConversations: false } });
    expect((await call("/api/settings", { method: "PATCH", headers: agent.headers, body: { agentsSeeAllConversations: true } })).status).toBe(403);
    const changed = await call("/api/settings", { method: "PATCH", headers: owner.headers, body: { agentsSeeAllConversations: true } });
    expect(await changed.json()).toEqual({ settings: { agentsSeeAllConversations: true } });
  });
});
