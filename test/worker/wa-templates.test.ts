/**
 * Issue 5, templates: synced from Meta on demand (every page of /{waba-id}/message_templates) and
 * instantly by `message_template_status_update` webhooks (approved, rejected with the reason,
 * paused, disabled); only APPROVED ones can be sent.
 */
import { env, exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { signedIn, TEST_ORIGIN } from "./helpers/session";
import { useWaGraph } from "./helpers/wa-graph";
import { conversationOf, inbound, phone, postWebhook } from "./helpers/webhook";

const graph = useWaGraph();
const WABA = "102290129340398";

async function sync(session: Awaited<ReturnType<typeof signedIn>>) {
  return exports.default.fetch(`${TEST_ORIGIN}/api/templates/sync`, { method: "POST", headers: session.headers });
}

function template(name: string, status: string, extra: Record<string, unknown> = {}) {
  return {
    id: `${Math.floor(Math.random() * 1e15)}`,
    name,
    language: "en_US",
    status,
    category: "UTILITY",
    components: [{ type: "BODY", text: `Hello {{1}}, this is ${name}.` }],
    ...extra,
  };
}

function statusUpdate(name: string, event: string, reason = "NONE", language = "en_US") {
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: WABA,
        time: Math.floor(Date.now() / 1000),
        changes: [
          {
            field: "message_template_status_update",
            value: { event, message_template_id: 1689556908129832, message_template_name: name, message_template_language: language, reason },
          },
        ],
      },
    ],
  };
}

async function row(name: string) {
  return env.DB.prepare("SELECT name, language, status, status_reason, body, category, waba_id, meta_id FROM templates WHERE name = ?").bind(name).first<Record<string, unknown>>();
}

async function sendTemplate(name: string, parameters: string[] = ["Kai"]) {
  const owner = await signedIn("owner");
  const from = phone();
  await postWebhook(inbound({ from, at: Date.now() - 30 * 60 * 60 * 1000 }));
  const id = (await conversationOf({ waId: from }))!;
  return exports.default.fetch(`${TEST_ORIGIN}/api/conversations/${id}/messages`, {
    method: "POST",
    headers: owner.headers,
    body: JSON.stringify({ template: { name, language: "en_US", parameters } }),
  });
}

describe("POST /api/templates/sync", () => {
  it("reads every page (paging.cursors.after) and stores status, category, body and the rejection reason", async ({ expect }) => {
    await postWebhook(inbound({ from: phone() })); // Chorus learns the WABA id from the webhook's entry id.
    graph.templatePages.push(
      [template("shipping_update", "APPROVED"), template("promo_summer", "REJECTED", { rejected_reason: "INVALID_FORMAT", category: "MARKETING" })],
      [template("appointment_reminder", "APPROVED"), template("survey", "PAUSED")],
      [template("order_ready", "PENDING")],
    );
    const manager = await signedIn("manager");
    const res = await sync(manager);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ synced: 5, accounts: [{ wabaId: WABA, ok: true, synced: 5, pages: 3 }] });
    const paths = graph.calls.filter((c) => c.path.includes("/message_templates")).map((c) => new URL(`https://x${c.path}`).searchParams.get("after"));
    expect(paths).toEqual([null, "cursor-1", "cursor-2"]);
    expect(graph.calls[0]!.authorization).toBe("Bearer test-access-token");

    expect(await row("shipping_update")).toMatchObject({ status: "APPROVED", body: "Hello {{1}}, this is shipping_update.", waba_id: WABA, category: "UTILITY" });
    expect(await row("promo_summer")).toMatchObject({ status: "REJECTED", status_reason: "INVALID_FORMAT", category: "MARKETING" });
    const list = (await (await exports.default.fetch(`${TEST_ORIGIN}/api/templates`, { headers: manager.headers })).json()) as { templates: Array<{ name: string }> };
    const names = list.templates.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["shipping_update", "appointment_reminder"]));
    expect(names).not.toContain("promo_summer");
    expect(names).not.toContain("survey");
    expect(names).not.toContain("order_ready");
  });

  it("is for Owners and Managers only", async ({ expect }) => {
    const agent = await signedIn("agent");
    expect((await sync(agent)).status).toBe(403);
  });

  it("a template synced as approved can be sent; paused and pending ones cannot", async ({ expect }) => {
    await postWebhook(inbound({ from: phone() }));
    graph.templatePages.push([template("sendable_one", "APPROVED"), template("paused_one", "PAUSED")]);
    await sync(await signedIn("owner"));
    expect((await sendTemplate("sendable_one")).status).toBe(201);
    const paused = await sendTemplate("paused_one");
    expect(paused.status).toBe(422);
    expect(((await paused.json()) as { error: { code: string } }).error.code).toBe("template_not_approved");
  });
});

describe("message_template_status_update webhooks apply at once", () => {
  it("approved → sendable the same second; paused and disabled → refused; rejected keeps Meta's reason", async ({ expect }) => {
    await postWebhook(inbound({ from: phone() }));
    graph.templatePages.push([template("flash_sale", "PENDING")]);
    await sync(await signedIn("owner"));
    expect((await sendTemplate("flash_sale")).status).toBe(422);

    expect((await postWebhook(statusUpdate("flash_sale", "APPROVED"))).status).toBe(200);
    expect(await row("flash_sale")).toMatchObject({ status: "APPROVED", status_reason: null });
    expect((await sendTemplate("flash_sale")).status).toBe(201);

    await postWebhook(statusUpdate("flash_sale", "PAUSED", "Low quality"));
    expect(await row("flash_sale")).toMatchObject({ status: "PAUSED", status_reason: "Low quality" });
    expect((await sendTemplate("flash_sale")).status).toBe(422);

    await postWebhook(statusUpdate("flash_sale", "DISABLED"));
    expect(await row("flash_sale")).toMatchObject({ status: "DISABLED" });
    expect((await sendTemplate("flash_sale")).status).toBe(422);

    await postWebhook(statusUpdate("flash_sale", "REJECTED", "INCORRECT_CATEGORY"));
    expect(await row("flash_sale")).toMatchObject({ status: "REJECTED", status_reason: "INCORRECT_CATEGORY" });
  });

  it("a template Chorus never saw is recorded at once, and its body fetched by name in the background", async ({ expect }) => {
    graph.templatePages.push([template("brand_new", "APPROVED")]);
    const res = await postWebhook(statusUpdate("brand_new", "APPROVED", "NONE", "en-US"));
    expect(res.status).toBe(200);
    expect(await row("brand_new")).toMatchObject({ status: "APPROVED", language: "en_US", waba_id: WABA });
    // The background sync (waitUntil) fills in the body.
    for (let i = 0; i < 50 && !(await row("brand_new"))?.body; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await row("brand_new"))!.body).toBe("Hello {{1}}, this is brand_new.");
    const call = graph.calls.find((c) => c.path.includes("/message_templates"))!;
    expect(new URL(`https://x${call.path}`).searchParams.get("name")).toBe("brand_new");
  });

  it("answers 400 (never 5xx) for a malformed status update", async ({ expect }) => {
    const bad = statusUpdate("x", "APPROVED");
    delete (bad.entry[0]!.changes[0]!.value as Record<string, unknown>).message_template_name;
    const res = await postWebhook(bad);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_payload");
  });
});
