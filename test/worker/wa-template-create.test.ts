/**
 * Issue 5, templates created in Chorus: Meta's rules answer 422 naming the field before anything
 * reaches Meta; a valid template goes to POST /{waba-id}/message_templates with the account's
 * token and is stored PENDING; names are unique per account; header media goes through the
 * Resumable Upload API; header and URL-button values reach Meta when the template is sent.
 */
import { env, exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { clearChannelTokenCache } from "../../worker/services/channel-tokens";
import { signedIn, TEST_ORIGIN } from "./helpers/session";
import { PNG_BYTES, useWaGraph } from "./helpers/wa-graph";
import { conversationOf, inbound, phone, postWebhook } from "./helpers/webhook";

const graph = useWaGraph();
const WABA = "102290129340398";

type Session = Awaited<ReturnType<typeof signedIn>>;

async function create(session: Session, body: unknown) {
  return exports.default.fetch(`${TEST_ORIGIN}/api/templates`, { method: "POST", headers: session.headers, body: JSON.stringify(body) });
}

function valid(overrides: Record<string, unknown> = {}) {
  return {
    name: `order_update_${crypto.randomUUID().slice(0, 8)}`,
    language: "en_US",
    category: "UTILITY",
    header: { format: "TEXT", text: "Order {{1}}", example: "#1042" },
    body: { text: "Hi {{1}}, your order {{2}} has shipped. Thank you!", examples: ["Aiko", "#1042"] },
    footer: "Reply STOP to opt out",
    buttons: [
      { type: "QUICK_REPLY", text: "Thanks" },
      { type: "URL", text: "Track it", url: "https://shop.example.com/track/{{1}}", example: "1042" },
      { type: "PHONE_NUMBER", text: "Call us", phoneNumber: "+15551234567" },
    ],
    ...overrides,
  };
}

async function errorOf(res: Response) {
  return ((await res.json()) as { error: { code: string; message: string; field?: string } }).error;
}

async function knownAccount() {
  await postWebhook(inbound({ from: phone() })); // Chorus learns the WABA id from the webhook.
}

describe("POST /api/templates — Meta's rules, checked before submitting", () => {
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ["an uppercase name", { name: "Order_Update" }, "template_name_format", "name"],
    ["a name with a dash", { name: "order-update" }, "template_name_format", "name"],
    ["a name over 512 characters", { name: "a".repeat(513) }, "template_name_too_long", "name"],
    ["no name", { name: "" }, "template_name_required", "name"],
    ["a language that is not Meta's", { language: "english" }, "template_language_format", "language"],
    ["an empty body", { body: { text: "  ", examples: [] } }, "template_body_required", "body.text"],
    ["a body over 1024", { body: { text: `Hi ${"x".repeat(1030)} there`, examples: [] } }, "template_body_too_long", "body.text"],
    ["variables that skip a number", { body: { text: "Hi {{1}}, order {{3}} is here.", examples: ["a", "b", "c"] } }, "template_variables_not_sequential", "body.text"],
    ["variables that start at 2", { body: { text: "Hi {{2}} there.", examples: ["a", "b"] } }, "template_variables_not_sequential", "body.text"],
    ["a named variable", { body: { text: "Hi {{name}} there.", examples: ["a"] } }, "template_variable_format", "body.text"],
    ["a body starting with a variable", { body: { text: "{{1}}, your order is here.", examples: ["a"] } }, "template_variable_at_start", "body.text"],
    ["a body ending with a variable", { body: { text: "Your order is {{1}}", examples: ["a"] } }, "template_variable_at_end", "body.text"],
    ["adjacent variables", { body: { text: "Hi {{1}} {{2}} there.", examples: ["a", "b"] } }, "template_variables_adjacent", "body.text"],
    ["a variable without an example", { body: { text: "Hi {{1}}, order {{2}} is here.", examples: ["Aiko"] } }, "template_example_missing", "body.examples.1"],
    ["a header over 60", { header: { format: "TEXT", text: "x".repeat(61) } }, "template_header_text_too_long", "header.text"],
    ["two header variables", { header: { format: "TEXT", text: "{{1}} and {{2}}", example: "a" } }, "template_header_variables", "header.text"],
    ["a header variable without example", { header: { format: "TEXT", text: "Order {{1}}" } }, "template_header_example_missing", "header.example"],
    ["a media header without its handle", { header: { format: "IMAGE", handle: " " } }, "template_header_handle_missing", "header.handle"],
    ["a footer over 60", { footer: "x".repeat(61) }, "template_footer_too_long", "footer"],
    ["a footer with a variable", { footer: "Bye {{1}}" }, "template_footer_variables", "footer"],
    ["11 buttons", { buttons: Array.from({ length: 11 }, (_, i) => ({ type: "QUICK_REPLY", text: `Option ${i}` })) }, "template_too_many_buttons", "buttons"],
    [
      "three URL buttons",
      { buttons: [1, 2, 3].map((i) => ({ type: "URL", text: `Link ${i}`, url: `https://example.com/${i}` })) },
      "template_too_many_url_buttons",
      "buttons",
    ],
    [
      "two phone buttons",
      { buttons: [1, 2].map((i) => ({ type: "PHONE_NUMBER", text: `Call ${i}`, phoneNumber: "+15551234567" })) },
      "template_too_many_phone_buttons",
      "buttons",
    ],
    [
      "quick replies split by a link",
      {
        buttons: [
          { type: "QUICK_REPLY", text: "Yes" },
          { type: "URL", text: "Site", url: "https://example.com" },
          { type: "QUICK_REPLY", text: "No" },
        ],
      },
      "template_buttons_not_grouped",
      "buttons",
    ],
    ["a button label over 25", { buttons: [{ type: "QUICK_REPLY", text: "x".repeat(26) }] }, "template_button_text_too_long", "buttons.0.text"],
    ["two buttons with one label", { buttons: [{ type: "QUICK_REPLY", text: "Yes" }, { type: "QUICK_REPLY", text: "yes" }] }, "template_button_text_duplicate", "buttons.1.text"],
    ["a URL that is not one", { buttons: [{ type: "URL", text: "Site", url: "not a url" }] }, "template_url_invalid", "buttons.0.url"],
    ["a URL variable in the middle", { buttons: [{ type: "URL", text: "Site", url: "https://example.com/{{1}}/x", example: "a" }] }, "template_url_variable", "buttons.0.url"],
    ["a URL variable without example", { buttons: [{ type: "URL", text: "Site", url: "https://example.com/{{1}}" }] }, "template_url_example_missing", "buttons.0.example"],
    ["a phone number that is not one", { buttons: [{ type: "PHONE_NUMBER", text: "Call", phoneNumber: "call me" }] }, "template_phone_invalid", "buttons.0.phoneNumber"],
    ["an authentication template with a header", { category: "AUTHENTICATION", header: { format: "TEXT", text: "Code" } }, "template_authentication_no_header", "header"],
    [
      "an authentication code expiry of 91 minutes",
      { category: "AUTHENTICATION", header: null, buttons: [], authentication: { codeExpirationMinutes: 91 } },
      "template_code_expiration_range",
      "authentication.codeExpirationMinutes",
    ],
  ];

  for (const [what, overrides, code, field] of cases) {
    it(`refuses ${what}: 422 ${code} naming ${field}, and Meta is never called`, async ({ expect }) => {
      await knownAccount();
      const res = await create(await signedIn("manager"), valid(overrides));
      expect(res.status).toBe(422);
      const error = await errorOf(res);
      expect(error).toMatchObject({ code, field });
      expect(error.message.startsWith(`${field}: `)).toBe(true);
      expect(graph.calls.filter((c) => c.path.includes("message_templates"))).toEqual([]);
    });
  }

  it("is for Owners and Managers: an Agent gets 403", async ({ expect }) => {
    expect((await create(await signedIn("agent"), valid())).status).toBe(403);
  });

  it("answers 400 for a body that is not a template at all", async ({ expect }) => {
    const res = await create(await signedIn("owner"), { name: "x", category: "PROMO" });
    expect(res.status).toBe(400);
  });
});

describe("POST /api/templates — submitting to Meta", () => {
  it("posts Meta's components with the account's token, stores the template PENDING and lists it for settings only", async ({ expect }) => {
    await knownAccount();
    const owner = await signedIn("owner");
    const input = valid();
    const res = await create(owner, input);
    expect(res.status).toBe(201);
    const { template } = (await res.json()) as { template: Record<string, unknown> };
    expect(template).toMatchObject({ name: input.name, language: "en_US", category: "UTILITY", status: "PENDING", wabaId: WABA, body: input.body.text });

    const call = graph.calls.find((c) => c.method === "POST" && c.path.endsWith(`/${WABA}/message_templates`))!;
    expect(call.authorization).toBe("Bearer test-access-token");
    expect(call.body).toEqual({
      name: input.name,
      language: "en_US",
      category: "UTILITY",
      components: [
        { type: "HEADER", format: "TEXT", text: "Order {{1}}", example: { header_text: ["#1042"] } },
        { type: "BODY", text: input.body.text, example: { body_text: [["Aiko", "#1042"]] } },
        { type: "FOOTER", text: "Reply STOP to opt out" },
        {
          type: "BUTTONS",
          buttons: [
            { type: "QUICK_REPLY", text: "Thanks" },
            { type: "URL", text: "Track it", url: "https://shop.example.com/track/{{1}}", example: ["https://shop.example.com/track/1042"] },
            { type: "PHONE_NUMBER", text: "Call us", phone_number: "+15551234567" },
          ],
        },
      ],
    });
    expect(template.metaId).toMatch(/^7\d+$/);

    const all = (await (await exports.default.fetch(`${TEST_ORIGIN}/api/templates/all`, { headers: owner.headers })).json()) as { templates: Array<{ name: string; status: string }> };
    expect(all.templates.find((t) => t.name === input.name)).toMatchObject({ status: "PENDING" });
    const approved = (await (await exports.default.fetch(`${TEST_ORIGIN}/api/templates`, { headers: owner.headers })).json()) as { templates: Array<{ name: string }> };
    expect(approved.templates.map((t) => t.name)).not.toContain(input.name);
    const agent = await signedIn("agent");
    expect((await exports.default.fetch(`${TEST_ORIGIN}/api/templates/all`, { headers: agent.headers })).status).toBe(403);

    // Who submitted what is in the audit log.
    const entry = await env.DB.prepare("SELECT actor_id, target_type, target_id, details FROM audit_log WHERE action = 'template.created' AND target_id = ?")
      .bind(template.id)
      .first<{ actor_id: string; target_type: string; details: string }>();
    expect(entry).toMatchObject({ actor_id: owner.user.id, target_type: "template" });
    expect(JSON.parse(entry!.details)).toMatchObject({ name: input.name, language: "en_US", category: "UTILITY", wabaId: WABA });
  });

  it("uses the number's own access token when it has one", async ({ expect }) => {
    await knownAccount();
    const owner = await signedIn("owner");
    const channel = await env.DB.prepare("SELECT id FROM channels WHERE waba_id = ? ORDER BY id LIMIT 1").bind(WABA).first<{ id: string }>();
    const patched = await exports.default.fetch(`${TEST_ORIGIN}/api/channels/${channel!.id}`, {
      method: "PATCH",
      headers: owner.headers,
      body: JSON.stringify({ accessToken: "own-token-of-this-number" }),
    });
    expect(patched.status).toBe(200);
    clearChannelTokenCache();
    expect((await create(owner, valid())).status).toBe(201);
    expect(graph.calls.find((c) => c.path.endsWith("/message_templates"))!.authorization).toBe("Bearer own-token-of-this-number");
    await exports.default.fetch(`${TEST_ORIGIN}/api/channels/${channel!.id}`, { method: "PATCH", headers: owner.headers, body: JSON.stringify({ accessToken: null }) });
    clearChannelTokenCache();
  });

  it("submits an authentication template in Meta's preset form and stores Meta's body", async ({ expect }) => {
    await knownAccount();
    const res = await create(await signedIn("owner"), {
      name: `login_code_${crypto.randomUUID().slice(0, 6)}`,
      language: "en_US",
      category: "AUTHENTICATION",
      authentication: { securityRecommendation: true, codeExpirationMinutes: 10, buttonText: "Copy code" },
    });
    expect(res.status).toBe(201);
    expect(graph.calls.find((c) => c.path.endsWith("/message_templates"))!.body!.components).toEqual([
      { type: "BODY", add_security_recommendation: true },
      { type: "FOOTER", code_expiration_minutes: 10 },
      { type: "BUTTONS", buttons: [{ type: "OTP", otp_type: "COPY_CODE", text: "Copy code" }] },
    ]);
    const { template } = (await res.json()) as { template: { body: string } };
    expect(template.body).toBe("*{{1}}* is your verification code. For your security, do not share this code.");
  });

  it("answers 422 with Meta's own words when Meta refuses the content, 502 when Meta fails, 409 for Meta's duplicate", async ({ expect }) => {
    await knownAccount();
    const owner = await signedIn("owner");
    graph.templateAnswers.push(
      {
        status: 400,
        body: { error: { message: "Invalid parameter", code: 100, error_subcode: 2388043, error_user_title: "Message template has too many variables", error_user_msg: "Reduce the variables." } },
      },
      { status: 500, body: { error: { message: "An unknown error occurred", code: 1 } } },
      { status: 400, body: { error: { message: "Invalid parameter", code: 100, error_subcode: 2388024, error_user_title: "Content in this language already exists" } } },
    );
    const attempts = [valid(), valid(), valid()];
    const refused = await create(owner, attempts[0]);
    expect(refused.status).toBe(422);
    expect(await errorOf(refused)).toMatchObject({ code: "meta_rejected", message: "Meta refused the template: Message template has too many variables: Reduce the variables." });
    const failed = await create(owner, attempts[1]);
    expect(failed.status).toBe(502);
    expect((await errorOf(failed)).code).toBe("meta_error");
    const duplicate = await create(owner, attempts[2]);
    expect(duplicate.status).toBe(409);
    expect((await errorOf(duplicate)).code).toBe("template_exists");
    // Nothing Meta did not take was stored.
    for (const attempt of attempts) {
      expect(await env.DB.prepare("SELECT id FROM templates WHERE name = ?").bind(attempt.name).first()).toBeNull();
    }
    expect(graph.calls.filter((c) => c.path.endsWith("/message_templates")).length).toBe(3);
  });
});

describe("names are unique per name + language within one WhatsApp Business Account", () => {
  const OTHER_WABA = "300000000000777";

  async function secondAccount() {
    await env.DB.prepare("INSERT OR IGNORE INTO channels (id, phone_number_id, waba_id, created_at) VALUES ('chn_other_account', '300000000000778', ?, ?)")
      .bind(OTHER_WABA, Date.now())
      .run();
  }

  it("the same name and language in two accounts is fine; twice in one account is 409 without calling Meta", async ({ expect }) => {
    await knownAccount();
    await secondAccount();
    const owner = await signedIn("owner");
    const input = valid();
    expect((await create(owner, { ...input, wabaId: WABA })).status).toBe(201);
    expect((await create(owner, { ...input, wabaId: OTHER_WABA })).status).toBe(201);
    const again = await create(owner, { ...input, wabaId: WABA });
    expect(again.status).toBe(409);
    expect(await errorOf(again)).toMatchObject({ code: "template_exists", field: "name" });
    expect(graph.calls.filter((c) => c.path.endsWith("/message_templates")).map((c) => c.path)).toEqual([
      `/v24.0/${WABA}/message_templates`,
      `/v24.0/${OTHER_WABA}/message_templates`,
    ]);
    const rows = await env.DB.prepare("SELECT waba_id FROM templates WHERE name = ? ORDER BY waba_id").bind(input.name).all<{ waba_id: string }>();
    expect(rows.results.map((r) => r.waba_id)).toEqual([OTHER_WABA, WABA].sort());
  });

  it("with several accounts the caller must say which (422), and only a known one (422)", async ({ expect }) => {
    await knownAccount();
    await secondAccount();
    const owner = await signedIn("owner");
    const unsaid = await create(owner, valid());
    expect(unsaid.status).toBe(422);
    expect(await errorOf(unsaid)).toMatchObject({ code: "business_account_required", field: "wabaId" });
    const unknown = await create(owner, valid({ wabaId: "999" }));
    expect(unknown.status).toBe(422);
    expect((await errorOf(unknown)).code).toBe("unknown_business_account");
  });

  it("sync keeps one row per account for a template both accounts have", async ({ expect }) => {
    await knownAccount();
    await secondAccount();
    const name = `shared_${crypto.randomUUID().slice(0, 6)}`;
    const page = [{ id: "1", name, language: "en_US", status: "APPROVED", category: "UTILITY", components: [{ type: "BODY", text: "Hello there." }] }];
    graph.templatePages.push(page);
    const res = await exports.default.fetch(`${TEST_ORIGIN}/api/templates/sync`, { method: "POST", headers: (await signedIn("owner")).headers });
    expect(res.status).toBe(200);
    const rows = await env.DB.prepare("SELECT waba_id FROM templates WHERE name = ?").bind(name).all<{ waba_id: string }>();
    expect(rows.results.map((r) => r.waba_id).sort()).toEqual([OTHER_WABA, WABA].sort());
  });
});

describe("POST /api/templates/media — a header example through Meta's Resumable Upload API", () => {
  it("opens an upload session on the app, sends the bytes with OAuth and file_offset 0, and answers Meta's handle", async ({ expect }) => {
    await knownAccount();
    const owner = await signedIn("owner");
    const form = new FormData();
    form.set("file", new File([PNG_BYTES], "banner.png", { type: "image/png" }));
    form.set("wabaId", WABA);
    const headers = { ...owner.headers };
    delete headers["Content-Type"];
    const res = await exports.default.fetch(`${TEST_ORIGIN}/api/templates/media`, { method: "POST", headers, body: form });
    expect(res.status).toBe(200);
    const { handle, format } = (await res.json()) as { handle: string; format: string };
    expect(format).toBe("IMAGE");
    expect(graph.uploads.get(handle)?.bytes).toEqual(PNG_BYTES);
    const [start, upload] = graph.calls;
    const startUrl = new URL(`https://x${start!.path}`);
    expect(startUrl.pathname).toBe("/v24.0/app/uploads");
    expect(Object.fromEntries(startUrl.searchParams)).toEqual({ file_name: "banner.png", file_length: String(PNG_BYTES.byteLength), file_type: "image/png" });
    expect(start!.authorization).toBe("Bearer test-access-token");
    expect(upload!.path).toMatch(/^\/v24\.0\/upload:session\d+$/);
    expect(upload!.authorization).toBe("OAuth test-access-token");

    // The handle then goes into the template's header example.
    const created = await create(owner, valid({ wabaId: WABA, header: { format: "IMAGE", handle } }));
    expect(created.status).toBe(201);
    const submitted = graph.calls.find((c) => c.path.endsWith("/message_templates"))!.body!.components as unknown[];
    expect(submitted[0]).toEqual({ type: "HEADER", format: "IMAGE", example: { header_handle: [handle] } });
  });

  it("takes examples over the API's 1 MB body limit (a 3 MB PDF), and refuses one over Meta's 16 MB before reading it (413)", async ({ expect }) => {
    await knownAccount();
    const owner = await signedIn("owner");
    const headers = { ...owner.headers };
    delete headers["Content-Type"];
    const big = new Uint8Array(3 * 1024 * 1024);
    big.set(new TextEncoder().encode("%PDF-1.4\n"));
    const form = new FormData();
    form.set("file", new File([big], "catalogue.pdf", { type: "application/pdf" }));
    form.set("wabaId", WABA);
    const res = await exports.default.fetch(`${TEST_ORIGIN}/api/templates/media`, { method: "POST", headers, body: form });
    expect(res.status).toBe(200);
    const { handle, format } = (await res.json()) as { handle: string; format: string };
    expect(format).toBe("DOCUMENT");
    expect(graph.uploads.get(handle)?.bytes.byteLength).toBe(big.byteLength);

    const calls = graph.calls.length;
    const huge = await exports.default.fetch(`${TEST_ORIGIN}/api/templates/media`, {
      method: "POST",
      headers: { ...headers, "Content-Type": "multipart/form-data; boundary=x", "Content-Length": String(17 * 1024 * 1024) },
      body: new Uint8Array(17 * 1024 * 1024),
    });
    expect(huge.status).toBe(413);
    expect((await errorOf(huge)).code).toBe("media_too_large");
    expect(graph.calls.length).toBe(calls);
  });

  it("refuses a file a header cannot take (422) and is for Owners and Managers (403)", async ({ expect }) => {
    await knownAccount();
    const form = () => {
      const f = new FormData();
      f.set("file", new File(["hello"], "notes.txt", { type: "text/plain" }));
      f.set("wabaId", WABA);
      return f;
    };
    const noJson = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).filter(([k]) => k !== "Content-Type"));
    const owner = await signedIn("owner");
    const res = await exports.default.fetch(`${TEST_ORIGIN}/api/templates/media`, { method: "POST", headers: noJson(owner.headers), body: form() });
    expect(res.status).toBe(422);
    expect((await errorOf(res)).code).toBe("unsupported_media");
    const agent = await signedIn("agent");
    expect((await exports.default.fetch(`${TEST_ORIGIN}/api/templates/media`, { method: "POST", headers: noJson(agent.headers), body: form() })).status).toBe(403);
    expect(graph.calls).toEqual([]);
  });
});

describe("sending a template with a header variable and a URL-button variable", () => {
  it("sends Meta header, body and button components, and refuses a send missing the header or button value", async ({ expect }) => {
    await knownAccount();
    const owner = await signedIn("owner");
    const input = valid({ wabaId: WABA });
    expect((await create(owner, input)).status).toBe(201);
    await env.DB.prepare("UPDATE templates SET status = 'APPROVED' WHERE name = ?").bind(input.name).run();

    const from = phone();
    await postWebhook(inbound({ from, at: Date.now() - 30 * 60 * 60 * 1000 }));
    const id = (await conversationOf({ waId: from }))!;
    const send = (template: Record<string, unknown>) =>
      exports.default.fetch(`${TEST_ORIGIN}/api/conversations/${id}/messages`, {
        method: "POST",
        headers: owner.headers,
        body: JSON.stringify({ template: { name: input.name, language: "en_US", parameters: ["Kai", "#77"], ...template } }),
      });

    const noHeader = await send({ buttons: [{ index: 1, text: "77" }] });
    expect(noHeader.status).toBe(422);
    expect((await errorOf(noHeader)).code).toBe("template_header_missing");
    const noButton = await send({ header: { type: "text", text: "#77" } });
    expect(noButton.status).toBe(422);
    expect((await errorOf(noButton)).code).toBe("template_button_missing");

    const res = await send({ header: { type: "text", text: "#77" }, buttons: [{ index: 1, text: "77" }] });
    expect(res.status).toBe(201);
    const { message } = (await res.json()) as { message: { text: string } };
    expect(message.text).toBe("Order #77\n\nHi Kai, your order #77 has shipped. Thank you!\n\nReply STOP to opt out");
    for (let i = 0; i < 100 && graph.sends().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const sent = graph.sends()[0]!.body as { template: { components: unknown[] } };
    expect(sent.template.components).toEqual([
      { type: "header", parameters: [{ type: "text", text: "#77" }] },
      { type: "body", parameters: [{ type: "text", text: "Kai" }, { type: "text", text: "#77" }] },
      { type: "button", sub_type: "url", index: "1", parameters: [{ type: "text", text: "77" }] },
    ]);
  });
});
