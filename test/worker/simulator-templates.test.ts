/**
 * Issue 5, the simulator's Graph fake for templates: GET /{waba-id}/message_templates pages through
 * the seeded and created templates (so template sync works locally), POST records a template
 * PENDING and approves it a moment later with a signed `message_template_status_update` webhook —
 * so a template created in Chorus becomes sendable by itself — and the Resumable Upload endpoints.
 *
 * Here the Worker's GRAPH_API_URL (https://graph.test/v24.0) is forwarded to the simulator's own
 * /simulator/graph/v24.0, and the simulator's webhooks go to the Worker: the whole local loop.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, it } from "vitest";
import { SIM_PHONE_NUMBER_ID, SIM_WABA_ID, SIMULATOR_DO_NAME } from "../../worker/simulator/constants";
import type { SimMessage, SimulatorDO } from "../../worker/simulator/simulator-do";
import { signedIn, TEST_ORIGIN } from "./helpers/session";

const worker = (exports as unknown as { default: Fetcher }).default;
const SIM_GRAPH = `${TEST_ORIGIN}/simulator/graph/v24.0`;

const server = setupServer(
  http.all("https://graph.test/v24.0/*", async ({ request }) => {
    const url = new URL(request.url);
    const target = `${SIM_GRAPH}${url.pathname.replace(/^\/v24\.0/, "")}${url.search}`;
    const body = request.method === "GET" ? undefined : await request.arrayBuffer();
    return worker.fetch(new Request(target, { method: request.method, headers: request.headers, body }));
  }),
);
beforeAll(() => server.listen({ onUnhandledRequest: "bypass" }));
afterAll(() => server.close());

function simulator() {
  return env.SIMULATOR_DO.getByName(SIMULATOR_DO_NAME);
}

/** The simulator's webhooks go to the Worker itself, as under `wrangler dev`; returns what was sent. */
async function webhooksToWorker(): Promise<string[]> {
  const sent: string[] = [];
  await runInDurableObject(simulator(), (instance: SimulatorDO) => {
    instance.webhookTransport = (url, init) => {
      sent.push(String(init.body));
      return worker.fetch(new Request(url, init));
    };
  });
  return sent;
}

async function runDueTimers() {
  await runInDurableObject(simulator(), (_instance, state) => {
    state.storage.sql.exec("UPDATE timers SET due_at = 0");
  });
  await runDurableObjectAlarm(simulator());
}

const graphHeaders = { Authorization: "Bearer test-access-token", "Content-Type": "application/json" };

describe("the simulator's message_templates", () => {
  it("lists the seeded templates with Meta's paging", async ({ expect }) => {
    const first = await worker.fetch(`${SIM_GRAPH}/${SIM_WABA_ID}/message_templates?limit=2`, { headers: graphHeaders });
    expect(first.status).toBe(200);
    const page1 = (await first.json()) as { data: Array<{ name: string; language: string; status: string }>; paging: { next?: string; cursors: { after: string } } };
    expect(page1.data.map((t) => `${t.name}/${t.language}/${t.status}`)).toEqual(["hello_world/en_US/APPROVED", "follow_up/en/APPROVED"]);
    expect(page1.paging.next).toBeDefined();
    const second = await worker.fetch(`${SIM_GRAPH}/${SIM_WABA_ID}/message_templates?limit=2&after=${page1.paging.cursors.after}`, { headers: graphHeaders });
    const page2 = (await second.json()) as { data: Array<{ name: string; language: string }>; paging: { next?: string } };
    expect(page2.data.map((t) => `${t.name}/${t.language}`)).toEqual(["follow_up/ja"]);
    expect(page2.paging.next).toBeUndefined();

    expect((await worker.fetch(`${SIM_GRAPH}/${SIM_WABA_ID}/message_templates`)).status).toBe(401);
    expect((await worker.fetch(`${SIM_GRAPH}/123/message_templates`, { headers: graphHeaders })).status).toBe(400);
  });

  it("takes the Resumable Upload API's two steps and answers a handle", async ({ expect }) => {
    const start = await worker.fetch(`${SIM_GRAPH}/app/uploads?file_length=4&file_type=image/png&file_name=a.png`, { method: "POST", headers: graphHeaders });
    const { id } = (await start.json()) as { id: string };
    expect(id).toMatch(/^upload:/);
    const done = await worker.fetch(`${SIM_GRAPH}/${id}`, { method: "POST", headers: { Authorization: "OAuth test-access-token", file_offset: "0" }, body: "abcd" });
    expect(done.status).toBe(200);
    expect(((await done.json()) as { h: string }).h).toMatch(/^4::aW1hZ2UvcG5n:/);
    const bad = await worker.fetch(`${SIM_GRAPH}/app/uploads?file_length=4&file_type=text/plain`, { method: "POST", headers: graphHeaders });
    expect(bad.status).toBe(400);
  });

  it("round trip: created in Chorus → PENDING → approved by a signed webhook → synced → sent to a simulated customer", async ({ expect }) => {
    const sent = await webhooksToWorker();
    await env.DB.prepare("INSERT OR IGNORE INTO channels (id, phone_number_id, waba_id, created_at) VALUES ('chn_sim', ?, ?, ?)")
      .bind(SIM_PHONE_NUMBER_ID, SIM_WABA_ID, Date.now())
      .run();
    const owner = await signedIn("owner");
    const name = "parcel_ready";
    const created = await worker.fetch(`${TEST_ORIGIN}/api/templates`, {
      method: "POST",
      headers: owner.headers,
      body: JSON.stringify({
        name,
        language: "en",
        category: "UTILITY",
        wabaId: SIM_WABA_ID,
        header: { format: "TEXT", text: "Parcel {{1}}", example: "#12" },
        body: { text: "Hi {{1}}, your parcel is ready for pickup.", examples: ["Aiko"] },
        footer: "Chorus Simulator",
        buttons: [{ type: "QUICK_REPLY", text: "On my way" }],
      }),
    });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { template: { status: string } }).template.status).toBe("PENDING");

    // Sync sees it pending and keeps the seeded ones (adopted by the simulator's account, not duplicated).
    const sync = await worker.fetch(`${TEST_ORIGIN}/api/templates/sync`, { method: "POST", headers: owner.headers });
    expect(sync.status).toBe(200);
    const rows = await env.DB.prepare("SELECT name, language, status, waba_id FROM templates ORDER BY name, language").all<Record<string, string>>();
    expect(rows.results).toEqual([
      { name: "follow_up", language: "en", status: "APPROVED", waba_id: SIM_WABA_ID },
      { name: "follow_up", language: "ja", status: "APPROVED", waba_id: SIM_WABA_ID },
      { name: "hello_world", language: "en_US", status: "APPROVED", waba_id: SIM_WABA_ID },
      { name, language: "en", status: "PENDING", waba_id: SIM_WABA_ID },
    ]);

    // The simulated review: a signed message_template_status_update reaches the Worker.
    await runDueTimers();
    const webhook = JSON.parse(sent.find((b) => b.includes("message_template_status_update"))!) as {
      entry: Array<{ id: string; changes: Array<{ value: { event: string; message_template_name: string } }> }>;
    };
    expect(webhook.entry[0]!.id).toBe(SIM_WABA_ID);
    expect(webhook.entry[0]!.changes[0]!.value).toMatchObject({ event: "APPROVED", message_template_name: name });
    expect(await env.DB.prepare("SELECT status FROM templates WHERE name = ?").bind(name).first()).toEqual({ status: "APPROVED" });

    // Now sendable: a simulated customer gets it with its header filled in.
    const customer = await (
      await worker.fetch(`${TEST_ORIGIN}/simulator/api/customers`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ phone: "15550107777", name: "Round Trip" }),
      })
    ).json() as { customer: { id: string } };
    await worker.fetch(`${TEST_ORIGIN}/simulator/api/customers/${customer.customer.id}/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text: "is my parcel there?" }),
    });
    let conversationId: string | undefined;
    for (let i = 0; i < 40 && !conversationId; i++) {
      const list = (await (await worker.fetch(`${TEST_ORIGIN}/api/conversations`, { headers: owner.headers })).json()) as { conversations: Array<{ id: string; contact: { waId: string } }> };
      conversationId = list.conversations.find((c) => c.contact.waId === "15550107777")?.id;
      if (!conversationId) await new Promise((r) => setTimeout(r, 25));
    }
    const send = await worker.fetch(`${TEST_ORIGIN}/api/conversations/${conversationId}/messages`, {
      method: "POST",
      headers: owner.headers,
      body: JSON.stringify({ template: { name, language: "en", parameters: ["Round Trip"], header: { type: "text", text: "#12" } } }),
    });
    expect(send.status).toBe(201);
    let outbound: SimMessage | undefined;
    for (let i = 0; i < 100 && !outbound; i++) {
      const chat = (await (await worker.fetch(`${TEST_ORIGIN}/simulator/api/customers/${customer.customer.id}/messages`)).json()) as { messages: SimMessage[] };
      outbound = chat.messages.find((m) => m.direction === "out");
      if (!outbound) await new Promise((r) => setTimeout(r, 20));
    }
    expect(outbound).toMatchObject({ kind: "template", templateName: name, text: "Hi Round Trip, your parcel is ready for pickup." });
    expect(JSON.parse(outbound!.payload!)).toEqual({
      template: { header: { format: "TEXT", text: "Parcel #12" }, footer: "Chorus Simulator", buttons: [{ type: "QUICK_REPLY", text: "On my way" }] },
    });
  });

  it("a name starting with reject is rejected by the simulated review, with Meta's reason", async ({ expect }) => {
    await webhooksToWorker();
    const res = await worker.fetch(`${SIM_GRAPH}/${SIM_WABA_ID}/message_templates`, {
      method: "POST",
      headers: graphHeaders,
      body: JSON.stringify({ name: "reject_me", language: "en", category: "MARKETING", components: [{ type: "BODY", text: "Sale now on." }] }),
    });
    expect(res.status).toBe(200);
    const again = await worker.fetch(`${SIM_GRAPH}/${SIM_WABA_ID}/message_templates`, {
      method: "POST",
      headers: graphHeaders,
      body: JSON.stringify({ name: "reject_me", language: "en", category: "MARKETING", components: [{ type: "BODY", text: "Sale now on." }] }),
    });
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error: { error_subcode: number } }).error.error_subcode).toBe(2388024);
    await runDueTimers();
    expect(await env.DB.prepare("SELECT status, status_reason FROM templates WHERE name = 'reject_me'").first()).toEqual({ status: "REJECTED", status_reason: "INVALID_FORMAT" });
  });
});
