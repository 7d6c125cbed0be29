/**
 * Every /api body is limited to 1 MB while it streams in (worker/api-body-limit.ts): a huge body
 * is refused with 413 before it is buffered, whatever its Content-Length says. File uploads keep
 * their own, larger limit (wa-media.test.ts: a 5 MB image is refused as `media_too_large`).
 */
import { exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { signedIn, TEST_ORIGIN } from "./helpers/session";

const MB = 1024 * 1024;

describe("the API's body limit", () => {
  it("refuses a JSON body over 1 MB with 413 payload_too_large, and accepts one just under", async ({ expect }) => {
    const owner = await signedIn("owner");
    const huge = await exports.default.fetch(`${TEST_ORIGIN}/api/labels`, {
      method: "POST",
      headers: owner.headers,
      body: JSON.stringify({ name: "x".repeat(2 * MB) }),
    });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toEqual({ error: { code: "payload_too_large", message: expect.stringContaining("1 MB") } });

    // Just under the limit the route's own validation answers (the name is far too long): 400.
    const under = await exports.default.fetch(`${TEST_ORIGIN}/api/labels`, {
      method: "POST",
      headers: owner.headers,
      body: JSON.stringify({ name: "x".repeat(MB - 100) }),
    });
    expect(under.status).toBe(400);
  });

  it("counts the bytes that arrive: a streamed body without Content-Length is cut off too", async ({ expect }) => {
    const owner = await signedIn("owner");
    const chunk = new TextEncoder().encode("z".repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ >= 40) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const res = await exports.default.fetch(`${TEST_ORIGIN}/api/labels`, {
      method: "POST",
      headers: owner.headers,
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
  });

  it("applies to anonymous callers too (sign-in cannot be fed a huge password)", async ({ expect }) => {
    const res = await exports.default.fetch(`${TEST_ORIGIN}/api/session`, {
      method: "POST",
      headers: { Origin: TEST_ORIGIN, "Content-Type": "application/json" },
      body: JSON.stringify({ email: "a@example.com", password: "p".repeat(3 * MB) }),
    });
    expect(res.status).toBe(413);
  });
});
