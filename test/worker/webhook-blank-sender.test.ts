/** Regression (found by the fault suite): a signed message whose sender is blank answered 500. */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { envelope, inboundValue, postWebhook } from "./helpers/webhook";

describe("a signed webhook with a blank sender", () => {
  it("answers 400 invalid_payload and stores nothing", async ({ expect }) => {
    const value = inboundValue({ from: " ", text: "who am I" });
    const res = await postWebhook(envelope(value));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "invalid_payload" } });
    const contacts = await env.DB.prepare("SELECT COUNT(*) AS n FROM contacts").first<{ n: number }>();
    expect(contacts?.n).toBe(0);
  });
});
