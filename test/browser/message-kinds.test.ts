/**
 * Issue 5 in a real browser against the real app under `wrangler dev` with the simulator: a
 * simulated customer sends every inbound kind (an ad referral, a picture, a voice note, a PDF, a
 * sticker, a location, a contact card, reply-button and list choices, a Flow answer, a template
 * button, an order, a reply quoting an earlier message, a reaction) and the inbox thread renders
 * each of them — the files fetched into Chorus's storage and served from /api/media.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, inject, it } from "vitest";
import { post, signedInOwner } from "./app-api";
import { collectErrors, launchChromium } from "./browser";

const baseUrl = inject("baseUrl");
const run = Date.now().toString(36);

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe("every inbound kind, rendered in the thread", () => {
  it("shows media, places, cards, replies, orders, quotes, referrals and reactions from the simulator", async ({ expect }) => {
    // Tall enough that the virtualised thread renders every message at once.
    const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 4000 } });
    await signedInOwner(context);
    const name = `Kinds ${run}`;
    const created = await post(context, "/simulator/api/customers", { phone: `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`, name });
    expect(created.status).toBe(201);
    const customer = created.body!.customer as { id: string };
    const send = async (body: Record<string, unknown>) => {
      const res = await post(context, `/simulator/api/customers/${customer.id}/send`, body);
      if (res.status !== 201) throw new Error(`simulator send ${JSON.stringify(body)}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body!.message as { id: string; status: string };
    };

    const first = await send({ kind: "text", text: "I saw your summer ad", fromAd: true });
    await send({ kind: "media", sample: "picture", caption: "This one please" });
    await send({ kind: "media", sample: "voice" });
    await send({ kind: "media", sample: "invoice", caption: "My invoice" });
    await send({ kind: "media", sample: "sticker" });
    await send({ kind: "location", latitude: 35.6812, longitude: 139.7671, name: "Tokyo Station", address: "Marunouchi, Chiyoda" });
    await send({ kind: "contacts", name: "Barbara Johnson", phone: "+1 415 555 0123" });
    await send({ kind: "button_reply", id: "yes", title: "Yes please" });
    await send({ kind: "list_reply", id: "m", title: "Medium", description: "Chest 96 cm" });
    await send({ kind: "flow_reply", answers: { date: "2026-12-01", time: "10:30" } });
    await send({ kind: "template_button", text: "Stop promotions" });
    await send({ kind: "order", text: "Deliver Friday", items: [{ productRetailerId: "tee-m", quantity: 2, price: 20, currency: "USD" }] });
    await send({ kind: "text", text: "Same as before", replyTo: first.id });
    await send({ kind: "reaction", messageId: first.id, emoji: "👍" });

    // Find the thread by the customer's name.
    let conversationId: string | undefined;
    for (let i = 0; i < 50 && !conversationId; i++) {
      const list = (await (await context.request.get(`${baseUrl}/api/conversations?view=all&q=${encodeURIComponent(name)}`)).json()) as {
        conversations: Array<{ id: string; contact: { name: string | null } }>;
      };
      conversationId = list.conversations.find((c) => c.contact.name === name)?.id;
      if (!conversationId) await new Promise((r) => setTimeout(r, 200));
    }
    expect(conversationId).toBeTruthy();

    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(`${baseUrl}/inbox/${conversationId}`);
    const thread = page.getByTestId("thread");
    await thread.waitFor();
    const kind = (k: string) => thread.locator(`[data-testid="message-kind"][data-content-kind="${k}"]`);

    // The ad referral and the quote of the first message.
    await thread.getByTestId("kind-referral").first().waitFor();
    expect(await thread.getByTestId("kind-referral").first().textContent()).toContain("Came from an ad");
    await expect.poll(() => thread.getByTestId("kind-quote").first().textContent()).toContain("I saw your summer ad");

    // Media: fetched into R2 by the thread's alarm, then shown from /api/media (live, no reload).
    const picture = kind("image").locator("img");
    await picture.waitFor({ timeout: 20_000 });
    expect(await picture.getAttribute("src")).toMatch(new RegExp(`^/api/media/${conversationId}/msg_`));
    await expect.poll(() => picture.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 20_000 }).toBe(32);
    expect(await kind("image").textContent()).toContain("This one please");
    await kind("audio").locator("audio").waitFor({ timeout: 20_000 });
    expect(await kind("audio").textContent()).toContain("Voice message");
    const doc = kind("document").getByTestId("kind-document");
    await doc.waitFor({ timeout: 20_000 });
    expect(await doc.textContent()).toContain("invoice-1001.pdf");
    await kind("sticker").locator("img").waitFor({ timeout: 20_000 });

    // A file's own headers: PDF as an attachment, never sniffed.
    const href = (await doc.getAttribute("href"))!;
    const file = await context.request.get(`${baseUrl}${href}`);
    expect(file.status()).toBe(200);
    expect(file.headers()["content-type"]).toBe("application/pdf");
    expect(file.headers()["content-disposition"]).toMatch(/^attachment/);
    expect(file.headers()["x-content-type-options"]).toBe("nosniff");

    // Place, card, replies, Flow, template button, order.
    expect(await kind("location").textContent()).toContain("Tokyo Station");
    expect(await kind("location").locator("a").getAttribute("href")).toMatch(/^https:\/\/www\.google\.com\/maps/);
    expect(await kind("contacts").textContent()).toContain("Barbara Johnson");
    const replies = await thread.getByTestId("kind-reply").allTextContents();
    expect(replies).toEqual(expect.arrayContaining(["Yes please", "Medium", "Stop promotions"]));
    const flow = await thread.getByTestId("kind-flow").textContent();
    expect(flow).toContain("2026-12-01");
    expect(flow).not.toContain("flow_token");
    expect(await kind("order").textContent()).toContain("Total: 40 USD");

    // The reaction sits on the first message, not in a bubble of its own.
    await expect.poll(() => thread.getByTestId("kind-reactions").first().textContent(), { timeout: 10_000 }).toContain("👍");
    const bubbles = await thread.getByTestId("message").count();
    expect(bubbles).toBe(13);

    // Japanese: the same thread, translated.
    await page.evaluate(() => localStorage.setItem("chorus.language", "ja"));
    await page.reload();
    await thread.waitFor();
    await thread.getByTestId("kind-referral").first().waitFor();
    expect(await thread.getByTestId("kind-referral").first().textContent()).toContain("広告から来たお客様");
    await page.evaluate(() => localStorage.setItem("chorus.language", "en"));

    expect(errors.filter((e) => !/status of 40[19]/.test(e))).toEqual([]);
    await context.close();
  });

  it("the simulator page shows the business's buttons as the customer sees them, and sends the customer's choice and other kinds", async ({ expect }) => {
    const context = await browser.newContext({ locale: "en-US" });
    await signedInOwner(context);
    const name = `Buttons ${run}`;
    const created = await post(context, "/simulator/api/customers", { phone: `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`, name });
    const customer = created.body!.customer as { id: string };
    expect((await post(context, `/simulator/api/customers/${customer.id}/send`, { kind: "text", text: "When can you deliver?" })).status).toBe(201);

    let conversationId: string | undefined;
    for (let i = 0; i < 50 && !conversationId; i++) {
      const list = (await (await context.request.get(`${baseUrl}/api/conversations?view=all&q=${encodeURIComponent(name)}`)).json()) as {
        conversations: Array<{ id: string; contact: { name: string | null } }>;
      };
      conversationId = list.conversations.find((c) => c.contact.name === name)?.id;
      if (!conversationId) await new Promise((r) => setTimeout(r, 200));
    }
    const sent = await post(context, `/api/conversations/${conversationId}/messages`, {
      interactive: { type: "button", body: "Pick a delivery day", buttons: [{ id: "today", title: "Today" }, { id: "tomorrow", title: "Tomorrow" }] },
    });
    expect(sent.status).toBe(201);

    const sim = await context.newPage();
    const errors = collectErrors(sim);
    await sim.goto(`${baseUrl}/simulator#customer=${customer.id}`);
    const offer = sim.getByTestId("sim-message").filter({ hasText: "Pick a delivery day" });
    await offer.waitFor({ timeout: 15_000 });
    await offer.getByRole("button", { name: "Tomorrow" }).click();
    await sim.getByTestId("sim-kinds").getByTestId("sim-kind-kindLocation").click();

    const messages = async () =>
      ((await (await context.request.get(`${baseUrl}/api/conversations/${conversationId}/messages`)).json()) as {
        messages: Array<{ content?: { kind: string; title?: string; name?: string; context?: { quote?: { text: string | null } } } }>;
      }).messages;
    await expect.poll(async () => (await messages()).map((m) => m.content?.kind), { timeout: 15_000 }).toEqual(expect.arrayContaining(["interactive_reply", "location"]));
    const choice = (await messages()).find((m) => m.content?.kind === "interactive_reply")!;
    expect(choice.content).toMatchObject({ title: "Tomorrow", context: { quote: { text: "Pick a delivery day" } } });
    expect(errors).toEqual([]);
    await context.close();
  });
});
