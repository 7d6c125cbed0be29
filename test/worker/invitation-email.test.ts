/** Invitations are emailed when an email sender is configured, and only shown to copy otherwise. */
import { env, exports } from "cloudflare:workers";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, it } from "vitest";
import { app } from "../../worker/app";
import { signedIn, TEST_ORIGIN } from "./helpers/session";

const EMAIL_API_URL = "https://mail.test/send";
const sent: { authorization: string | null; body: { to: string; subject: string; text: string } }[] = [];
let answer = 200;
const server = setupServer(
  http.post(EMAIL_API_URL, async ({ request }) => {
    sent.push({ authorization: request.headers.get("Authorization"), body: (await request.json()) as never });
    return new HttpResponse(null, { status: answer });
  }),
);
beforeAll(() => server.listen({ onUnhandledRequest: "bypass" }));
afterAll(() => server.close());

function invite(headers: Record<string, string>, withSender: boolean) {
  const request = new Request(`${TEST_ORIGIN}/api/invitations`, {
    method: "POST",
    headers,
    body: JSON.stringify({ email: `${crypto.randomUUID()}@example.com`, role: "agent" }),
  });
  return withSender ? app.fetch(request, { ...env, EMAIL_API_URL, EMAIL_API_KEY: "mail-key" }) : exports.default.fetch(request);
}

describe("invitation email", () => {
  it("sends the link through the configured sender and says so", async ({ expect }) => {
    const owner = await signedIn("owner", { name: "Olivia" });
    answer = 200;
    const res = await invite(owner.headers, true);
    expect(res.status).toBe(201);
    const body = await res.json<{ url: string; emailed: boolean }>();
    expect(body.emailed).toBe(true);
    const mail = sent.at(-1)!;
    expect(mail.authorization).toBe("Bearer mail-key");
    expect(mail.body.subject).toBe("Olivia invited you to Chorus");
    expect(mail.body.text).toContain(body.url);
  });

  it("still answers with the link when the sender fails, and without a sender shows the link only", async ({ expect }) => {
    const owner = await signedIn("owner");
    answer = 503;
    const failed = await (await invite(owner.headers, true)).json<{ url: string; emailed: boolean }>();
    expect(failed).toMatchObject({ emailed: false, url: expect.stringContaining("/invite#") });
    const before = sent.length;
    const plain = await (await invite(owner.headers, false)).json<{ emailed: boolean }>();
    expect(plain.emailed).toBe(false);
    expect(sent.length).toBe(before);
  });
});
