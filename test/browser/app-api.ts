/**
 * The browser files' shared steps against the suite's one server (`inject("baseUrl")`): JSON calls
 * from a browser context (so a session cookie lands in it), the Owner's sign-in, and a simulated
 * customer who writes first. (browser.ts stays free of vitest: scripts launch Chromium with it.)
 */
import type { BrowserContext } from "playwright-core";
import { inject } from "vitest";

/** The workspace's Owner in the shared server: created by the first file that needs one. */
export const OWNER = { name: "Olivia Owner", email: "olivia@example.com", password: "a long owner password" };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

/** A JSON call from a browser context, with our Origin (the CSRF guard). */
export async function call(context: BrowserContext, method: "GET" | "POST" | "PATCH" | "DELETE", path: string, data?: unknown) {
  const response = await context.request.fetch(`${inject("baseUrl")}${path}`, { method, data, headers: { Origin: inject("baseUrl") } });
  return { status: response.status(), body: (await response.json().catch(() => null)) as Json | null };
}

export function post(context: BrowserContext, path: string, data: unknown) {
  return call(context, "POST", path, data);
}

/** Signs `context` in as the Owner, setting the workspace up when nobody has yet. */
export async function signedInOwner(context: BrowserContext): Promise<void> {
  const setup = (await call(context, "GET", "/api/setup")).body!;
  const result = setup.needsSetup ? await post(context, "/api/setup", OWNER) : await post(context, "/api/session", { email: OWNER.email, password: OWNER.password });
  if (result.status !== 200 && result.status !== 201) throw new Error(`owner sign-in failed: ${result.status} ${JSON.stringify(result.body)}`);
}

export const randomPhone = () => `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;

/**
 * A simulated customer who writes `text` first (`extra`: more of the simulator's text fields, e.g.
 * `fromAd`): the customer, the simulator's copy of that message, and the inbox thread it opened
 * (found by name, as the webhook lands asynchronously).
 */
export async function customerThread(context: BrowserContext, name: string, text: string, extra: Json = {}) {
  const created = await post(context, "/simulator/api/customers", { phone: randomPhone(), name });
  if (created.status !== 201) throw new Error(`simulator customer: ${created.status}`);
  const customer = created.body!.customer as { id: string };
  const sent = await post(context, `/simulator/api/customers/${customer.id}/send`, { kind: "text", text, ...extra });
  if (sent.status !== 201) throw new Error(`simulator send: ${sent.status} ${JSON.stringify(sent.body)}`);
  for (let i = 0; i < 50; i++) {
    const list = (await call(context, "GET", `/api/conversations?view=all&q=${encodeURIComponent(name)}`)).body!;
    const conversationId = (list.conversations as Array<{ id: string; contact: { name: string | null } }>).find((c) => c.contact.name === name)?.id;
    if (conversationId) return { customer, message: sent.body!.message as Json, conversationId, wamid: sent.body!.message.id as string };
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no conversation for ${name}`);
}
