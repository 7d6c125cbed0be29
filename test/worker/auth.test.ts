import { exports } from "cloudflare:workers";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { hashPassword, verifyPassword } from "../../worker/auth/password";
import { SESSION_IDLE_MS } from "../../worker/auth/sessions";
import { createUser, signedIn, TEST_ORIGIN, TEST_PASSWORD } from "./helpers/session";

const json = { "Content-Type": "application/json", Origin: TEST_ORIGIN };

function post(path: string, body: unknown, headers: Record<string, string> = json) {
  return exports.default.fetch(`${TEST_ORIGIN}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
}

function cookieFrom(res: Response): string {
  const setCookie = res.headers.get("Set-Cookie") ?? "";
  return setCookie.split(";")[0]!;
}

describe("passwords", () => {
  it("hash with PBKDF2-SHA256 and a per-user salt, and verify", async ({ expect }) => {
    const a = await hashPassword("a long enough password");
    const b = await hashPassword("a long enough password");
    expect(a).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("a long enough password", a)).toBe(true);
    expect(await verifyPassword("a long enough passworD", a)).toBe(false);
    expect(await verifyPassword("x", "garbage")).toBe(false);
  });
});

describe("first-run setup", () => {
  it("creates the owner once, signs them in, and answers 409 afterwards", async ({ expect }) => {
    expect(await (await exports.default.fetch(`${TEST_ORIGIN}/api/setup`)).json()).toEqual({ needsSetup: true });

    const res = await post("/api/setup", { name: "Olivia", email: "Olivia@Example.com ", password: "owner password 1" });
    expect(res.status).toBe(201);
    const body = await res.json<{ user: { role: string; email: string } }>();
    expect(body.user).toMatchObject({ role: "owner", email: "olivia@example.com", teams: [] });
    const setCookie = res.headers.get("Set-Cookie")!;
    expect(setCookie).toMatch(/^chorus_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("Secure");
    expect(setCookie).toContain("SameSite=Lax");

    const me = await exports.default.fetch(`${TEST_ORIGIN}/api/session`, { headers: { Cookie: cookieFrom(res) } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ user: { name: "Olivia", role: "owner" } });

    expect(await (await exports.default.fetch(`${TEST_ORIGIN}/api/setup`)).json()).toEqual({ needsSetup: false });
    const again = await post("/api/setup", { name: "Mallory", email: "m@example.com", password: "another password" });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: "setup_done" } });
  });

  it("answers a weak password with 400 naming the field", async ({ expect }) => {
    const res = await post("/api/setup", { name: "Olivia", email: "o@example.com", password: "short" });
    expect(res.status).toBe(400);
    const body = await res.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe("invalid_request");
    expect(body.error.message).toContain("password");
  });

  it("answers malformed JSON with 400, not 500", async ({ expect }) => {
    const res = await exports.default.fetch(`${TEST_ORIGIN}/api/setup`, { method: "POST", headers: json, body: "{nope" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "invalid_request" } });
  });
});

describe("sign-in and sign-out", () => {
  it("signs in with the right password and gives a fresh session each time", async ({ expect }) => {
    const user = await createUser("agent");
    const first = await post("/api/session", { email: user.email, password: TEST_PASSWORD });
    const second = await post("/api/session", { email: user.email, password: TEST_PASSWORD });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ user: { id: user.id, role: "agent" } });
    expect(cookieFrom(first)).not.toBe(cookieFrom(second));
    const stored = await env.DB.prepare("SELECT id FROM sessions WHERE user_id = ?").bind(user.id).all<{ id: string }>();
    // Only the hash of the token is stored.
    expect(stored.results.map((r) => r.id)).not.toContain(cookieFrom(first).split("=")[1]);
  });

  it("gives the same answer for a wrong password and an unknown email", async ({ expect }) => {
    const user = await createUser("agent");
    const wrong = await post("/api/session", { email: user.email, password: "not the password" });
    const unknown = await post("/api/session", { email: "nobody@example.com", password: "not the password" });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
  });

  it("ends the session on sign-out", async ({ expect }) => {
    const { headers } = await signedIn("agent");
    const out = await exports.default.fetch(`${TEST_ORIGIN}/api/session`, { method: "DELETE", headers });
    expect(out.status).toBe(204);
    expect(out.headers.get("Set-Cookie")).toContain("Max-Age=0");
    const me = await exports.default.fetch(`${TEST_ORIGIN}/api/session`, { headers });
    expect(me.status).toBe(401);
    expect(await me.json()).toMatchObject({ error: { code: "unauthorized" } });
  });

  it("refuses a session idle for longer than the idle lifetime", async ({ expect }) => {
    const { headers, sessionId } = await signedIn("agent");
    await env.DB.prepare("UPDATE sessions SET last_seen_at = ? WHERE id = ?")
      .bind(Date.now() - SESSION_IDLE_MS - 1000, sessionId)
      .run();
    const me = await exports.default.fetch(`${TEST_ORIGIN}/api/session`, { headers });
    expect(me.status).toBe(401);
  });

  it("refuses a made-up cookie", async ({ expect }) => {
    const me = await exports.default.fetch(`${TEST_ORIGIN}/api/session`, { headers: { Cookie: "chorus_session=forged" } });
    expect(me.status).toBe(401);
  });
});

describe("CSRF", () => {
  it("refuses a cookie-authenticated write from another origin", async ({ expect }) => {
    const { cookie } = await signedIn("owner");
    const res = await exports.default.fetch(`${TEST_ORIGIN}/api/session`, {
      method: "DELETE",
      headers: { Cookie: cookie, Origin: "https://evil.example" },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: "csrf_refused" } });
    // The session is still alive.
    const me = await exports.default.fetch(`${TEST_ORIGIN}/api/session`, { headers: { Cookie: cookie } });
    expect(me.status).toBe(200);
  });

  it("refuses a write marked cross-site by Sec-Fetch-Site", async ({ expect }) => {
    const { cookie } = await signedIn("owner");
    const res = await exports.default.fetch(`${TEST_ORIGIN}/api/session`, {
      method: "DELETE",
      headers: { Cookie: cookie, "Sec-Fetch-Site": "cross-site" },
    });
    expect(res.status).toBe(403);
  });
});
