/**
 * GET /api/channels/directory (issue 5, "the inbox filters by channel"): every signed-in user —
 * Agents included — learns each number's id, display name and phone, and nothing of its settings
 * (token, WABA id, health), which stay with GET /api/channels (Owner only).
 */
import { env, exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { ChannelRef } from "../../worker/contracts/api";
import { signedIn, TEST_ORIGIN } from "./helpers/session";
import { useWaGraph } from "./helpers/wa-graph";
import { inbound, phone, postWebhook } from "./helpers/webhook";

useWaGraph();

describe("GET /api/channels/directory", () => {
  it("names every number for an Agent, without its settings", async ({ expect }) => {
    const phoneNumberId = `7${Math.floor(Math.random() * 1e14)}`;
    expect((await postWebhook(inbound({ from: phone(), phoneNumberId }))).status).toBe(200);
    const channel = (await env.DB.prepare("SELECT id FROM channels WHERE phone_number_id = ?").bind(phoneNumberId).first<{ id: string }>())!;
    const owner = await signedIn("owner");
    const renamed = await exports.default.fetch(`${TEST_ORIGIN}/api/channels/${channel.id}`, {
      method: "PATCH",
      headers: owner.headers,
      body: JSON.stringify({ name: "Support line" }),
    });
    expect(renamed.status).toBe(200);

    const agent = await signedIn("agent");
    const res = await exports.default.fetch(`${TEST_ORIGIN}/api/channels/directory`, { headers: agent.headers });
    expect(res.status).toBe(200);
    const { channels } = (await res.json()) as { channels: ChannelRef[] };
    const listed = channels.find((c) => c.id === channel.id);
    expect(listed).toEqual({ id: channel.id, phoneNumberId, displayPhoneNumber: expect.any(String), name: "Support line" });
    // Settings stay the Owner's: no token flag, WABA id or health in the directory, and the full list is refused.
    expect(Object.keys(listed!).sort()).toEqual(["displayPhoneNumber", "id", "name", "phoneNumberId"]);
    expect((await exports.default.fetch(`${TEST_ORIGIN}/api/channels`, { headers: agent.headers })).status).toBe(403);
  });

  it("answers 401 to nobody signed in", async ({ expect }) => {
    expect((await exports.default.fetch(`${TEST_ORIGIN}/api/channels/directory`)).status).toBe(401);
  });
});
