/**
 * A signed-in user for route tests: a real user row and a real session in D1, as sign-in makes
 * them (the password is "correct horse battery"). Requests in tests go to http://example.com.
 */
import { env } from "cloudflare:workers";
import { hashPassword } from "../../../worker/auth/password";
import { createSession, SESSION_COOKIE } from "../../../worker/auth/sessions";
import type { Role, SessionUser } from "../../../worker/env";
import { newId } from "../../../worker/ids";

export const TEST_ORIGIN = "http://example.com";
export const TEST_PASSWORD = "correct horse battery";

let passwordHash: Promise<string> | undefined;

export async function createUser(role: Role = "owner", overrides: Partial<SessionUser> = {}): Promise<SessionUser> {
  passwordHash ??= hashPassword(TEST_PASSWORD);
  const id = overrides.id ?? newId("usr");
  const user: SessionUser = {
    id,
    name: overrides.name ?? `${role[0]!.toUpperCase()}${role.slice(1)} ${id.slice(-4)}`,
    email: overrides.email ?? `${id}@example.com`,
    role,
    language: overrides.language ?? null,
  };
  await env.DB.prepare(
    "INSERT INTO users (id, email, name, password_hash, role, language, active, created_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
  )
    .bind(user.id, user.email, user.name, await passwordHash, user.role, user.language, Date.now())
    .run();
  return user;
}

export async function signedIn(role: Role = "owner", overrides: Partial<SessionUser> = {}) {
  const user = await createUser(role, overrides);
  const session = await createSession(env.DB, user.id);
  const cookie = `${SESSION_COOKIE}=${session.token}`;
  return {
    user,
    sessionId: session.id,
    cookie,
    /** Cookie plus a same-origin Origin, as a browser on Chorus would send. */
    headers: { Cookie: cookie, Origin: TEST_ORIGIN, "Content-Type": "application/json" } as Record<string, string>,
  };
}
