/**
 * Issue 5, several numbers: each channel's name, WABA id, default team, sending rate and its own
 * access token — encrypted at rest (AES-GCM, CHANNEL_TOKEN_KEY), never returned, used by the Graph
 * client for that number — and its health (last webhook, last error, the errors Meta reported).
 */
import { createExecutionContext, runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { app } from "../../worker/app";
import type { ChannelSettings } from "../../worker/contracts/whatsapp";
import { decryptChannelToken, encryptChannelToken } from "../../worker/services/channel-tokens";
import { samplePng } from "../../worker/simulator/sample-media";
import { signedIn, TEST_ORIGIN } from "./helpers/session";
import { useWaGraph } from "./helpers/wa-graph";
import { conversationOf, envelope, inbound, phone, postWebhook, seconds, wamid } from "./helpers/webhook";

const graph = useWaGraph();
const OWN_TOKEN = "EAAG-own-token-of-this-number-0123456789";

/** A channel of its own (a fresh phone number id), with one thread. */
async function channelWithThread() {
  const phoneNumberId = `7${Math.floor(Math.random() * 1e14)}`;
  const from = phone();
  await postWebhook(inbound({ from, phoneNumberId }));
  const channel = (await env.DB.prepare("SELECT id FROM channels WHERE phone_number_id = ?").bind(phoneNumberId).first<{ id: string }>())!;
  const conversationId = (await conversationOf({ waId: from }, phoneNumberId))!;
  return { channelId: channel.id, phoneNumberId, from, conversationId };
}

type Session = Awaited<ReturnType<typeof signedIn>>;

function patch(session: Session, id: string, body: unknown) {
  return exports.default.fetch(`${TEST_ORIGIN}/api/channels/${id}`, { method: "PATCH", headers: session.headers, body: JSON.stringify(body) });
}

async function list(session: Session): Promise<ChannelSettings[]> {
  const res = await exports.default.fetch(`${TEST_ORIGIN}/api/channels`, { headers: session.headers });
  return ((await res.json()) as { channels: ChannelSettings[] }).channels;
}

describe("GET /api/channels and PATCH /api/channels/:id", () => {
  it("lists every number with its WABA id and health; changes name, WABA id, default team and rate", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { channelId } = await channelWithThread();
    const listed = (await list(owner)).find((c) => c.id === channelId)!;
    expect(listed).toMatchObject({ wabaId: "102290129340398", hasOwnToken: false, name: null, defaultTeamId: null, messagesPerSecond: null });
    expect(listed.health.lastWebhookAt).toBeGreaterThan(Date.now() - 60_000);

    const team = `team_${crypto.randomUUID()}`;
    await env.DB.prepare("INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)").bind(team, `Sales ${team}`, Date.now()).run();
    const res = await patch(owner, channelId, { name: "Sales line", wabaId: "1234567890", defaultTeamId: team, messagesPerSecond: 20 });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { channel: ChannelSettings }).channel).toMatchObject({
      name: "Sales line",
      wabaId: "1234567890",
      defaultTeamId: team,
      messagesPerSecond: 20,
    });
    // The default team is the one automatic assignment uses.
    const policy = await env.DB.prepare("SELECT default_team_id FROM assignment_policies WHERE scope = 'channel' AND scope_id = ?").bind(channelId).first();
    expect(policy).toEqual({ default_team_id: team });
    const audit = await env.DB.prepare("SELECT action, target_type, details FROM audit_log WHERE target_id = ? ORDER BY at DESC LIMIT 1").bind(channelId).first<{ details: string }>();
    expect(audit).toMatchObject({ action: "settings.changed", target_type: "channel" });
  });

  it("refuses what is not right: 422 unknown team, 400 bad WABA id, 404 unknown channel, 403 for a Manager", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { channelId } = await channelWithThread();
    expect((await patch(owner, channelId, { defaultTeamId: "team_nope" })).status).toBe(422);
    expect((await patch(owner, channelId, { wabaId: "abc" })).status).toBe(400);
    expect((await patch(owner, "chn_missing", { name: "x" })).status).toBe(404);
    expect((await patch(await signedIn("manager"), channelId, { name: "x" })).status).toBe(403);
  });
});

describe("a number's own access token", () => {
  it("is stored encrypted, never returned, and used for that number's sends and media", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { channelId, phoneNumberId, conversationId, from } = await channelWithThread();
    const res = await patch(owner, channelId, { accessToken: OWN_TOKEN });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(OWN_TOKEN);
    expect(JSON.parse(text)).toMatchObject({ channel: { hasOwnToken: true } });
    const stored = (await env.DB.prepare("SELECT access_token_encrypted AS t FROM channels WHERE id = ?").bind(channelId).first<{ t: string }>())!.t;
    expect(stored).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(stored).not.toContain(OWN_TOKEN);
    expect(JSON.stringify(await list(owner))).not.toContain(OWN_TOKEN);

    const sent = await exports.default.fetch(`${TEST_ORIGIN}/api/conversations/${conversationId}/messages`, {
      method: "POST",
      headers: owner.headers,
      body: JSON.stringify({ text: "From the sales line" }),
    });
    expect(sent.status).toBe(201);
    expect(graph.sends()[0]).toMatchObject({ path: `/v24.0/${phoneNumberId}/messages`, authorization: `Bearer ${OWN_TOKEN}` });

    graph.media.set("7770001", { bytes: samplePng(2), mimeType: "image/png" });
    await postWebhook(
      envelope(
        { contacts: [{ profile: { name: "x" }, wa_id: from }], messages: [{ from, id: wamid(), timestamp: seconds(Date.now()), type: "image", image: { id: "7770001", mime_type: "image/png" } }] },
        phoneNumberId,
      ),
    );
    // The fetch runs from the thread's alarm (it may already be running on its own).
    for (let i = 0; i < 50 && !graph.calls.some((c) => c.path.startsWith("/whatsapp_business/attachments/")); i++) {
      await runDurableObjectAlarm(env.CONVERSATION.getByName(conversationId));
      await new Promise((r) => setTimeout(r, 10));
    }
    const lookup = graph.calls.find((c) => c.method === "GET" && c.path.endsWith("/7770001"));
    expect(lookup?.authorization).toBe(`Bearer ${OWN_TOKEN}`);

    // Removing it goes back to WHATSAPP_ACCESS_TOKEN.
    expect((await patch(owner, channelId, { accessToken: null })).status).toBe(200);
    graph.calls.length = 0;
    await exports.default.fetch(`${TEST_ORIGIN}/api/conversations/${conversationId}/messages`, {
      method: "POST",
      headers: owner.headers,
      body: JSON.stringify({ text: "Back to the workspace token" }),
    });
    expect(graph.sends()[0]!.authorization).toBe("Bearer test-access-token");
  });

  it("cannot be saved without CHANNEL_TOKEN_KEY (422 token_key_missing)", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { channelId } = await channelWithThread();
    const request = new Request(`${TEST_ORIGIN}/api/channels/${channelId}`, { method: "PATCH", headers: owner.headers, body: JSON.stringify({ accessToken: OWN_TOKEN }) });
    const res = await app.fetch(request, { ...env, CHANNEL_TOKEN_KEY: undefined }, createExecutionContext());
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("token_key_missing");
  });

  it("AES-GCM: decrypts with the same key and channel only", async ({ expect }) => {
    const sealed = await encryptChannelToken("key-one", "chn_a", "secret-token");
    expect(await decryptChannelToken("key-one", "chn_a", sealed)).toBe("secret-token");
    expect(await decryptChannelToken("key-two", "chn_a", sealed)).toBeNull();
    expect(await decryptChannelToken("key-one", "chn_b", sealed)).toBeNull();
    // Tampering with the ciphertext (a character well inside it, not a padding bit) is detected.
    const i = sealed.length - 6;
    const tampered = sealed.slice(0, i) + (sealed[i] === "A" ? "B" : "A") + sealed.slice(i + 1);
    expect(await decryptChannelToken("key-one", "chn_a", tampered)).toBeNull();
    expect(await encryptChannelToken("key-one", "chn_a", "secret-token")).not.toBe(sealed);
  });
});

describe("health and errors", () => {
  it("GET /api/channels/:id/errors lists what Meta reported, newest first (Owner only)", async ({ expect }) => {
    const owner = await signedIn("owner");
    const { channelId, phoneNumberId } = await channelWithThread();
    for (const [code, title] of [
      [131000, "Something went wrong"],
      [130472, "User's number is part of an experiment"],
    ] as const) {
      await postWebhook(envelope({ errors: [{ code, title, message: title, error_data: { details: `${code} details` } }] }, phoneNumberId));
      await new Promise((r) => setTimeout(r, 5));
    }
    const res = await exports.default.fetch(`${TEST_ORIGIN}/api/channels/${channelId}/errors`, { headers: owner.headers });
    expect(res.status).toBe(200);
    const { errors } = (await res.json()) as { errors: Array<{ code: number; title: string; details: string; source: string }> };
    expect(errors.map((e) => e.code)).toEqual([130472, 131000]);
    expect(errors[0]).toMatchObject({ title: "User's number is part of an experiment", details: "130472 details", source: "webhook" });
    const health = (await list(owner)).find((c) => c.id === channelId)!.health;
    expect(health).toMatchObject({ lastErrorCode: 130472, lastErrorTitle: "User's number is part of an experiment" });
    const agent = await signedIn("agent");
    expect((await exports.default.fetch(`${TEST_ORIGIN}/api/channels/${channelId}/errors`, { headers: agent.headers })).status).toBe(403);
  });
});
