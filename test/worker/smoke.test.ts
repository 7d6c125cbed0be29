import { exports } from "cloudflare:workers";
import { describe, it } from "vitest";

describe("the Hono app", () => {
  it("answers an unknown API path with a JSON 404", async ({ expect }) => {
    const res = await exports.default.fetch("http://example.com/api/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: "not_found", message: expect.any(String) } });
  });
});
