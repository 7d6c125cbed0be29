/**
 * Issue 5 in a real browser against the real app under `wrangler dev` with the simulator: a
 * simulated customer sends every inbound kind (an ad referral, a picture, a voice note, a PDF, a
 * WebP sticker, an MP4 video, a location, a contact card, reply-button and list choices, a Flow
 * answer, a template button, an order, a product inquiry, forwarded text, a reply quoting an
 * earlier message, a reaction, a message WhatsApp does not support, the owner's answer from the
 * WhatsApp Business app, a changed number) and the inbox thread renders each of them — the files
 * fetched into Chorus's storage and served from /api/media, "loading" while they are not there yet.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, inject, it } from "vitest";
import { samplePng, sampleOggOpus } from "../../worker/simulator/sample-media";
import { customerThread, post, randomPhone, signedInOwner } from "./app-api";
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
  it("shows media, places, cards, replies, orders, product inquiries, forwards, quotes, referrals, reactions, unsupported kinds, Business-app echoes and a changed number from the simulator", async ({ expect }) => {
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
    await send({ kind: "media", sample: "clip", caption: "Unboxing video" });
    await send({ kind: "forwarded", text: "Forwarded once" });
    await send({ kind: "forwarded", text: "Forwarded a lot", frequently: true });
    await send({ kind: "product_inquiry", text: "Is this in large?", productRetailerId: "tee-l" });
    await send({ kind: "unsupported" });
    await send({ kind: "echo", text: "Owner here, from the app" });
    // Last: the customer changes number, then writes from the new one — into the same thread.
    const newPhone = randomPhone().replace("+", "");
    await send({ kind: "system", newPhone });
    await send({ kind: "text", text: "Writing from my new number" });

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
    // The sticker is a real WebP (Meta's sticker type), decoded by the browser.
    const sticker = kind("sticker").locator("img");
    await sticker.waitFor({ timeout: 20_000 });
    await expect.poll(() => sticker.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 20_000 }).toBe(64);
    // The video (an MP4 without frames: stored and served, not meant to play).
    await kind("video").locator("video").waitFor({ timeout: 20_000 });
    expect(await kind("video").textContent()).toContain("Unboxing video");
    const videoFile = await context.request.get(`${baseUrl}${await kind("video").locator("video").getAttribute("src")}`);
    expect(videoFile.headers()["content-type"]).toBe("video/mp4");

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

    // Forwarded (once, many times) and the product asked about.
    expect(await thread.getByTestId("kind-forwarded").allTextContents()).toEqual(["↪ Forwarded", "↪↪ Forwarded many times"]);
    const asked = thread.getByTestId("message").filter({ hasText: "Is this in large?" });
    expect(await asked.getByTestId("kind-product").textContent()).toContain("Asked about product tee-l");
    // Unsupported, with Meta's reason.
    expect(await kind("unsupported").getByTestId("kind-unsupported").textContent()).toContain("poll_creation");
    expect(await kind("unsupported").getByTestId("kind-unsupported-reason").textContent()).toBe("WhatsApp says: Message type unknown");
    // The owner's answer from the phone app: an outbound message, marked.
    const echo = thread.getByTestId("message").filter({ hasText: "Owner here, from the app" });
    expect(await echo.getAttribute("data-direction")).toBe("out");
    expect(await echo.getByTestId("kind-business-app").textContent()).toBe("Sent from the WhatsApp Business app");
    // The changed number: a notice in the same thread, and the next message from the new number lands here too.
    expect(await kind("system").getByTestId("kind-system").textContent()).toContain(`The customer changed their number to +${newPhone}`);
    await thread.getByTestId("message").filter({ hasText: "Writing from my new number" }).waitFor({ timeout: 10_000 });

    // The reaction sits on the first message, not in a bubble of its own.
    await expect.poll(() => thread.getByTestId("kind-reactions").first().textContent(), { timeout: 10_000 }).toContain("👍");
    const bubbles = await thread.getByTestId("message").count();
    expect(bubbles).toBe(21);
    // One contact throughout: one thread for this customer, now with the new number.
    const threads = (await (await context.request.get(`${baseUrl}/api/conversations?view=all&q=${encodeURIComponent(name)}`)).json()) as {
      conversations: Array<{ id: string; contact: { name: string | null; waId: string | null } }>;
    };
    expect(threads.conversations.filter((c) => c.contact.name === name).map((c) => [c.id, c.contact.waId])).toEqual([[conversationId, newPhone]]);

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
    await sim.getByTestId("sim-kinds").getByTestId("sim-kind-kindVideo").click();
    await sim.getByTestId("sim-kinds").getByTestId("sim-kind-kindEcho").click();

    const messages = async () =>
      ((await (await context.request.get(`${baseUrl}/api/conversations/${conversationId}/messages`)).json()) as {
        messages: Array<{ content?: { kind: string; title?: string; name?: string; context?: { quote?: { text: string | null } } } }>;
      }).messages;
    await expect
      .poll(async () => (await messages()).map((m) => m.content?.kind), { timeout: 15_000 })
      .toEqual(expect.arrayContaining(["interactive_reply", "location", "video"]));
    await expect.poll(async () => (await messages()).some((m) => (m.content as { source?: string } | undefined)?.source === "business_app"), { timeout: 15_000 }).toBe(true);
    // The page marks the owner's echo as the phone would, once Chorus took it.
    const echoBubble = sim.locator('[data-testid="sim-message"][data-direction="out"]').filter({ hasText: "Sent from the WhatsApp Business app" });
    await expect.poll(() => echoBubble.getAttribute("data-delivery"), { timeout: 10_000 }).toBe("accepted");
    const choice = (await messages()).find((m) => m.content?.kind === "interactive_reply")!;
    expect(choice.content).toMatchObject({ title: "Tomorrow", context: { quote: { text: "Pick a delivery day" } } });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows a file as loading while Meta's media lookup fails, then the file once it lands", async ({ expect }) => {
    const context = await browser.newContext({ locale: "en-US" });
    await signedInOwner(context);
    const { customer, conversationId } = await customerThread(context, `Pending ${run}`, "A photo is coming");
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(`${baseUrl}/inbox/${conversationId}`);
    const thread = page.getByTestId("thread");
    await thread.getByTestId("message").filter({ hasText: "A photo is coming" }).waitFor();

    // The Graph fake fails the next two lookups: Chorus retries (5 s, then 10 s later) and shows "loading" meanwhile.
    expect((await post(context, "/simulator/api/graph/fail-media-lookups", { count: 2 })).status).toBe(204);
    expect((await post(context, `/simulator/api/customers/${customer.id}/send`, { kind: "media", sample: "picture", caption: "Late picture" })).status).toBe(201);
    const bubble = thread.getByTestId("message").filter({ hasText: "Late picture" });
    const loading = bubble.getByTestId("kind-media-loading");
    await loading.waitFor({ timeout: 10_000 });
    expect(await loading.textContent()).toBe("Loading Photo…");
    expect(await bubble.getByTestId("kind-media").getAttribute("data-state")).toBe("pending");

    // It lands without a reload.
    const img = bubble.locator("img");
    await img.waitFor({ timeout: 40_000 });
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), { timeout: 10_000 }).toBe(32);
    expect(await loading.count()).toBe(0);
    expect(errors.filter((e) => !/status of 40[19]/.test(e))).toEqual([]);
    await context.close();
  }, 90_000);

  it("the simulator page shows the business's picture and voice note as the customer's phone does, and the voice note gets played", async ({ expect }) => {
    const context = await browser.newContext({ locale: "en-US" });
    await signedInOwner(context);
    const { customer, conversationId } = await customerThread(context, `Phone media ${run}`, "Send me a photo and a voice note");
    const upload = async (file: { name: string; mimeType: string; buffer: Buffer }, fields: Record<string, string> = {}) => {
      const res = await context.request.post(`${baseUrl}/api/conversations/${conversationId}/media`, { multipart: { file, ...fields }, headers: { Origin: baseUrl } });
      expect(res.status(), await res.text()).toBe(201);
    };
    await upload({ name: "photo.png", mimeType: "image/png", buffer: Buffer.from(samplePng(48)) }, { caption: "Here is the photo" });
    await upload({ name: "voice-note.ogg", mimeType: "audio/ogg; codecs=opus", buffer: Buffer.from(sampleOggOpus(1)) }, { voice: "true" });

    const sim = await context.newPage();
    const errors = collectErrors(sim);
    await sim.goto(`${baseUrl}/simulator#customer=${customer.id}`);
    const fromBusiness = sim.locator('[data-testid="sim-message"][data-direction="out"]');
    const photo = fromBusiness.filter({ hasText: "Here is the photo" }).getByTestId("sim-media-image");
    await photo.waitFor({ timeout: 15_000 });
    await expect.poll(() => photo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 10_000 }).toBe(48);
    const voice = fromBusiness.getByTestId("sim-media-audio");
    await voice.waitFor();
    expect(await voice.getAttribute("controls")).not.toBeNull();
    expect(await voice.getAttribute("src")).toMatch(/^\/simulator\/api\/media\/\d+$/);
    // With the chat open, the voice note goes sent → delivered → read → played (Meta's status for voice notes).
    const voiceBubble = fromBusiness.filter({ has: sim.getByTestId("sim-media-audio") });
    await expect.poll(() => voiceBubble.getAttribute("data-status"), { timeout: 20_000 }).toBe("played");
    // A picture is not a voice note: it stops at read.
    await expect.poll(() => fromBusiness.filter({ hasText: "Here is the photo" }).getAttribute("data-status"), { timeout: 10_000 }).toBe("read");
    expect(errors).toEqual([]);
    await context.close();
  });
});
