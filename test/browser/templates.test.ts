/**
 * Issue 5, templates end to end in a real browser against `wrangler dev` with the simulator: the
 * owner creates a template in Settings → Templates, sees it pending, sees the simulator's review
 * approve it (a signed status webhook; the list refreshes by itself), then in a thread whose
 * 24-hour window has closed picks it in the composer, fills its variable from the contact's name,
 * checks the preview and sends it — and the simulated customer receives it, header, footer and
 * quick reply included.
 */
import { createHmac } from "node:crypto";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, inject, it } from "vitest";
import { SIM_DISPLAY_PHONE_NUMBER, SIM_PHONE_NUMBER_ID, SIM_WABA_ID } from "../../worker/simulator/constants";
import { samplePng } from "../../worker/simulator/sample-media";
import { post, signedInOwner } from "./app-api";
import { collectErrors, launchChromium } from "./browser";

const baseUrl = inject("baseUrl");
const appSecret = inject("appSecret");
const run = Date.now().toString(36);

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/**
 * The customer's last message, 30 hours ago, as Meta would deliver it late (signed like Meta): the
 * thread exists on the simulator's number with its 24-hour window already closed.
 */
async function oldMessageFrom(waId: string, name: string) {
  const at = Math.floor((Date.now() - 30 * 60 * 60 * 1000) / 1000);
  const body = JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: SIM_WABA_ID,
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: SIM_DISPLAY_PHONE_NUMBER, phone_number_id: SIM_PHONE_NUMBER_ID },
              contacts: [{ profile: { name }, wa_id: waId }],
              messages: [{ from: waId, id: `wamid.tpl-${run}`, timestamp: String(at), type: "text", text: { body: "Is my order ready?" } }],
            },
          },
        ],
      },
    ],
  });
  const signature = `sha256=${createHmac("sha256", appSecret).update(body).digest("hex")}`;
  const res = await fetch(`${baseUrl}/webhooks/whatsapp`, { method: "POST", headers: { "Content-Type": "application/json", "X-Hub-Signature-256": signature }, body });
  if (res.status !== 200) throw new Error(`webhook: ${res.status} ${await res.text()}`);
}

describe("templates: created in Settings, approved by the simulator, sent from the composer", () => {
  it("creates, waits for approval, fills a variable from the contact and sends it outside the window", async ({ expect }) => {
    const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 1400 } });
    await signedInOwner(context);
    const name = `Templ ${run}`;
    const phone = `1555${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
    const created = await post(context, "/simulator/api/customers", { phone, name });
    expect(created.status).toBe(201);
    const customer = created.body!.customer as { id: string };
    await oldMessageFrom(phone, name);

    const page = await context.newPage();
    const errors = collectErrors(page);

    // Settings → Templates: write it, with the live preview.
    const templateName = `pickup_ready_${run}`;
    await page.goto(`${baseUrl}/settings/templates`);
    await page.getByTestId("settings-templates").waitFor();
    await page.getByTestId("tpl-name").fill(templateName);
    await page.getByTestId("tpl-language").fill("en");
    await page.getByTestId("tpl-header-kind").selectOption("TEXT");
    await page.getByTestId("tpl-header-text").fill("Pickup");
    await page.getByTestId("tpl-body").fill("Hello {{1}}, your order is ready for pickup.");
    await page.getByTestId("tpl-example").fill("Aiko");
    await page.getByTestId("tpl-footer").fill("Chorus Store");
    await page.getByTestId("tpl-add-QUICK_REPLY").click();
    await page.getByTestId("tpl-button").locator("input").first().fill("On my way");
    await expect.poll(() => page.getByTestId("tpl-preview-body").textContent()).toBe("Hello Aiko, your order is ready for pickup.");
    expect(await page.getByTestId("tpl-preview-header").textContent()).toBe("Pickup");
    expect(await page.getByTestId("tpl-preview-buttons").textContent()).toContain("On my way");

    // A rule broken on purpose first: the form says so beside the field and nothing is sent.
    await page.getByTestId("tpl-body").fill("{{1}}, your order is ready for pickup.");
    await page.getByTestId("tpl-submit").click();
    await page.getByTestId("tpl-problems").waitFor();
    expect(await page.getByTestId("settings-templates").textContent()).toContain("The body cannot start with a variable.");
    await page.getByTestId("tpl-body").fill("Hello {{1}}, your order is ready for pickup.");

    await page.getByTestId("tpl-submit").click();
    // With several business accounts known, Chorus asks which one gets it: the simulator's.
    const account = page.getByTestId("tpl-account");
    const success = page.getByTestId("tpl-success");
    await account.or(success).waitFor();
    if (await account.isVisible()) {
      await account.selectOption(SIM_WABA_ID);
      await page.getByTestId("tpl-submit").click();
      await success.waitFor();
    }

    const row = page.locator(`[data-testid="template-row"][data-name="${templateName}"]`);
    await row.waitFor();
    expect(await row.getAttribute("data-status")).toBe("PENDING");
    expect(await row.getByTestId("template-status").textContent()).toContain("Pending review");
    // The simulator reviews it a few seconds later; the list refreshes itself while anything is pending.
    await expect.poll(() => row.getAttribute("data-status"), { timeout: 30_000 }).toBe("APPROVED");
    expect(await row.getByTestId("template-status").textContent()).toContain("Approved");

    // The thread, outside the window: the composer offers templates only.
    let conversationId: string | undefined;
    for (let i = 0; i < 50 && !conversationId; i++) {
      const list = (await (await context.request.get(`${baseUrl}/api/conversations?view=all&q=${encodeURIComponent(name)}`)).json()) as {
        conversations: Array<{ id: string; contact: { name: string | null } }>;
      };
      conversationId = list.conversations.find((c) => c.contact.name === name)?.id;
      if (!conversationId) await new Promise((r) => setTimeout(r, 200));
    }
    expect(conversationId).toBeTruthy();
    await page.goto(`${baseUrl}/inbox/${conversationId}`);
    const picker = page.getByTestId("template-picker");
    await picker.waitFor();
    await picker.getByTestId("template-select").selectOption({ label: `${templateName} (en)` });

    // The variable from the contact's name, and the preview as the customer will see it.
    const slot = picker.locator('[data-testid="template-slot"][data-slot="body-1"]');
    await slot.getByTestId("template-source").selectOption("text");
    await slot.getByTestId("template-param").fill("someone");
    await slot.getByTestId("template-source").selectOption("name");
    expect(await slot.getByTestId("template-field-value").textContent()).toContain(name);
    const preview = picker.getByTestId("template-preview");
    await expect.poll(() => preview.getByTestId("template-preview-body").textContent()).toBe(`Hello ${name}, your order is ready for pickup.`);
    expect(await preview.getByTestId("template-preview-header").textContent()).toBe("Pickup");
    expect(await preview.getByTestId("template-preview-footer").textContent()).toBe("Chorus Store");
    expect(await preview.getByTestId("template-preview-buttons").textContent()).toContain("On my way");
    await picker.getByTestId("template-send").click();

    // In the thread, and on the customer's phone (the simulator).
    await expect
      .poll(() => page.getByTestId("thread").getByTestId("message").filter({ hasText: `Hello ${name}, your order is ready for pickup.` }).count(), { timeout: 20_000 })
      .toBeGreaterThan(0);
    let outbound: { kind: string; templateName: string | null; text: string; payload: string | null } | undefined;
    for (let i = 0; i < 100 && !outbound; i++) {
      const chat = (await (await context.request.get(`${baseUrl}/simulator/api/customers/${customer.id}/messages`)).json()) as {
        messages: Array<{ direction: string; kind: string; templateName: string | null; text: string; payload: string | null }>;
      };
      outbound = chat.messages.find((m) => m.direction === "out");
      if (!outbound) await new Promise((r) => setTimeout(r, 200));
    }
    expect(outbound).toMatchObject({ kind: "template", templateName, text: `Hello ${name}, your order is ready for pickup.` });
    expect(JSON.parse(outbound!.payload!)).toMatchObject({ template: { header: { text: "Pickup" }, footer: "Chorus Store" } });

    // The customer's phone (the simulator page): header, body, footer and the quick reply to tap.
    const sim = await context.newPage();
    const simErrors = collectErrors(sim);
    await sim.goto(`${baseUrl}/simulator#customer=${customer.id}`);
    const received = sim.locator('[data-testid="sim-message"][data-direction="out"]').filter({ hasText: `Hello ${name}, your order is ready for pickup.` });
    await received.waitFor({ timeout: 15_000 });
    expect(await received.getByTestId("sim-template-header").textContent()).toBe("Pickup");
    expect(await received.textContent()).toContain("Chorus Store");
    await received.getByRole("button", { name: "On my way" }).waitFor();

    expect(errors).toEqual([]);
    expect(simErrors).toEqual([]);
    await context.close();
  });

  it("uploads an image header's example through Meta's Resumable Upload API and submits it", async ({ expect }) => {
    const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 1400 } });
    await signedInOwner(context);
    const page = await context.newPage();
    const errors = collectErrors(page);
    const templateName = `photo_ready_${run}`;
    await page.goto(`${baseUrl}/settings/templates`);
    await page.getByTestId("settings-templates").waitFor();
    await page.getByTestId("tpl-name").fill(templateName);
    await page.getByTestId("tpl-category").selectOption("MARKETING");
    const account = page.getByTestId("tpl-account");
    if (await account.isVisible()) await account.selectOption(SIM_WABA_ID);
    await page.getByTestId("tpl-header-kind").selectOption("IMAGE");
    await page.getByTestId("tpl-body").fill("Your photos are ready to collect.");
    // Without the file, the form says so and submits nothing.
    await page.getByTestId("tpl-submit").click();
    expect(await page.getByTestId("settings-templates").textContent()).toContain("Upload the header's file first.");
    await page.getByTestId("tpl-header-file").setInputFiles({ name: "banner.png", mimeType: "image/png", buffer: Buffer.from(samplePng(24)) });
    await expect.poll(() => page.getByTestId("template-form").textContent()).toContain("Uploaded: banner.png");
    expect(await page.getByTestId("tpl-preview-media").textContent()).toContain("banner.png");
    await page.getByTestId("tpl-submit").click();
    const success = page.getByTestId("tpl-success");
    await account.or(success).waitFor();
    if (!(await success.isVisible())) {
      await account.selectOption(SIM_WABA_ID);
      await page.getByTestId("tpl-submit").click();
    }
    await success.waitFor();
    const row = page.locator(`[data-testid="template-row"][data-name="${templateName}"]`);
    await row.waitFor();
    expect(await row.getAttribute("data-status")).toBe("PENDING");
    expect(await row.textContent()).toContain("Marketing");
    expect(errors).toEqual([]);
    await context.close();
  });
});
