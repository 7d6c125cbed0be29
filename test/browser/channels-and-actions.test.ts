/**
 * Issue 5 in a real browser against the real app under `wrangler dev` with the simulator:
 * - the Owner manages a WhatsApp number in Settings → Channels (name, default team, sending rate,
 *   an own access token that is never shown back and can be removed) and sees its health; with two
 *   numbers the inbox names the number on list rows, in the thread header and in the filters;
 * - with "mark as read on WhatsApp" switched on, opening a thread turns the customer's ticks blue
 *   on the simulator's phone;
 * - reacting to a customer message shows on it at once and on the phone; WhatsApp refusing it
 *   (a wrong own token) takes it back with Meta's reason;
 * - Reply quotes the customer's message, and the phone shows the quote;
 * - while a colleague holds the conversation, the actions say so instead of acting.
 */
import { createHmac } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, inject, it } from "vitest";
import { SIM_WABA_ID } from "../../worker/simulator/constants";
import { call, customerThread, randomPhone, signedInOwner, type Json } from "./app-api";
import { collectErrors, launchChromium } from "./browser";

const baseUrl = inject("baseUrl");
const appSecret = inject("appSecret");
const run = Date.now().toString(36);
// Each story drives two or three pages through the simulator's status timers: on a loaded
// machine that can pass the suite's 60 s default.
const STORY = { timeout: 120_000 };

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** A signed webhook from a second number of the same business (Chorus creates its channel). */
async function messageToAnotherNumber(phoneNumberId: string, name: string) {
  const body = JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        // The simulator's business account: one business with two numbers (a second account would
        // make template creation ask which one, as it should).
        id: SIM_WABA_ID,
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550001111", phone_number_id: phoneNumberId },
              contacts: [{ profile: { name }, wa_id: randomPhone().slice(1) }],
              messages: [{ from: randomPhone().slice(1), id: `wamid.second-${run}-${Math.random()}`, timestamp: String(Math.floor(Date.now() / 1000)), type: "text", text: { body: "Hi, second number" } }],
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

/** The customer's message bubble in the inbox thread. */
function bubble(page: Page, text: string) {
  return page.getByTestId("thread").getByTestId("message").filter({ hasText: text });
}

describe("Settings → Channels and message actions", () => {
  it("the owner renames a number, sets its default team, rate and an own token (never shown back), and sees its health; the inbox names it", STORY, async ({ expect }) => {
    const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 1000 } });
    await signedInOwner(context);
    const name = `Chan ${run}`;
    const { conversationId } = await customerThread(context, name, "Is my order on its way?");
    const channelId = (await call(context, "GET", `/api/conversations/${conversationId}`)).body!.channel.id as string;
    const team = await call(context, "POST", "/api/teams", { name: `Support ${run}` });
    expect(team.status).toBe(201);

    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(`${baseUrl}/settings/channels`);
    // The first page of a fresh server on a busy machine may take a while.
    await page.getByTestId("settings-nav-channels").waitFor({ timeout: 60_000 });
    const row = page.locator(`[data-testid="channel-row"][data-channel-id="${channelId}"]`);
    await row.waitFor();

    // Health: the simulator's message arrived as a webhook a moment ago.
    expect(await row.getAttribute("data-health")).not.toBe("no_webhook");
    expect(await row.getByTestId("channel-last-webhook").textContent()).toMatch(/now|min/);

    // Rename, default team, rate.
    const label = `Support line ${run}`;
    await row.getByTestId("channel-edit").click();
    await row.getByTestId("channel-name-input").fill(label);
    await row.getByTestId("channel-team-select").selectOption({ label: `Support ${run}` });
    await row.getByTestId("channel-rate-input").fill("40");
    await row.getByTestId("channel-save").click();
    await expect.poll(() => row.getByTestId("channel-name").textContent()).toBe(label);
    expect(await row.getByTestId("channel-default-team").textContent()).toBe(`Support ${run}`);
    expect((await row.getByTestId("channel-rate").textContent())?.trim()).toBe("40 messages/s");

    // An own access token: saved, never shown back (not in the page, not in the API), then removed.
    const token = `EAAG-browser-test-token-${run}-0123456789`;
    await row.getByTestId("channel-token").click();
    await row.getByTestId("channel-token-input").fill(token);
    await row.getByTestId("channel-token-save").click();
    await expect.poll(() => row.getByTestId("channel-token-state").textContent()).toContain("Own access token");
    expect(await row.getByTestId("channel-success").textContent()).toContain("won't be shown again");
    await row.getByTestId("channel-token").click();
    expect(await row.getByTestId("channel-token-input").inputValue()).toBe("");
    expect(await page.content()).not.toContain(token);
    const listed = await call(context, "GET", "/api/channels");
    expect(JSON.stringify(listed.body)).not.toContain(token);
    expect((listed.body!.channels as Json[]).find((c) => c.id === channelId)).toMatchObject({ hasOwnToken: true, name: label, messagesPerSecond: 40 });
    await row.getByTestId("channel-token-remove").click();
    await page.getByTestId("confirm-ok").click();
    await expect.poll(() => row.getByTestId("channel-token-state").textContent()).toContain("Workspace token");

    // A second number: the inbox now says which number each conversation came in on.
    await messageToAnotherNumber(`9${run.replace(/\D/g, "").padEnd(12, "7").slice(0, 12)}`, `Second ${run}`);
    await page.goto(`${baseUrl}/inbox/${conversationId}`);
    await page.getByTestId("thread").waitFor();
    await expect.poll(() => page.getByTestId("thread-channel").textContent(), { timeout: 10_000 }).toBe(label);
    const item = page.locator(`[data-testid="conversation-item"][data-id="${conversationId}"]`);
    await expect.poll(() => item.getByTestId("conversation-channel").textContent()).toBe(label);
    await page.getByTestId("filters-button").click();
    await expect.poll(() => page.getByTestId("filter-channel").locator("option").allTextContents()).toEqual(expect.arrayContaining([label]));

    // Japanese: the section translated.
    await page.evaluate(() => localStorage.setItem("chorus.language", "ja"));
    await page.goto(`${baseUrl}/settings/channels`);
    await row.waitFor();
    expect(await page.getByTestId("settings-channels").locator("h2").textContent()).toBe("チャネル");
    await page.evaluate(() => localStorage.setItem("chorus.language", "en"));

    // Leave the number as other tests expect it: no default team (new threads in nobody's queue).
    expect((await call(context, "PATCH", `/api/channels/${channelId}`, { defaultTeamId: null, messagesPerSecond: null })).status).toBe(200);
    expect(errors.filter((e) => !/status of 40[19]/.test(e))).toEqual([]);
    await context.close();
  });

  it("marks the customer's messages read on WhatsApp when the setting is on; reacts and replies from the bubble, as the phone shows", STORY, async ({ expect }) => {
    const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 1000 } });
    await signedInOwner(context);

    // The Owner switches "mark as read" on in Settings → Workspace.
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(`${baseUrl}/settings/workspace`);
    const toggle = page.getByTestId("workspace-send-read-receipts");
    await toggle.waitFor();
    if (!(await toggle.isChecked())) await toggle.click();
    await page.getByTestId("workspace-success").waitFor();
    expect((await call(context, "GET", "/api/settings")).body!.settings.sendReadReceipts).toBe(true);

    const name = `Actions ${run}`;
    const first = "Do you have this in blue?";
    const { customer, conversationId } = await customerThread(context, name, first);
    const channelId = (await call(context, "GET", `/api/conversations/${conversationId}`)).body!.channel.id as string;

    // The customer's phone: their message is delivered (grey ticks) until someone opens the thread.
    const phone = await context.newPage();
    const phoneErrors = collectErrors(phone);
    await phone.goto(`${baseUrl}/simulator#customer=${customer.id}`);
    const sent = phone.getByTestId("sim-message").filter({ hasText: first });
    await sent.waitFor({ timeout: 15_000 });
    expect(await sent.locator(".ticks").getAttribute("class")).not.toContain("ticks-read");

    await page.goto(`${baseUrl}/inbox/${conversationId}`);
    const message = bubble(page, first);
    await message.waitFor();
    await expect.poll(() => sent.locator(".ticks").getAttribute("class"), { timeout: 15_000 }).toContain("ticks-read");

    // React 👍 from the bubble's toolbar (keyboard-reachable: focus shows it).
    await message.hover();
    await message.getByTestId("message-react").click();
    await page.getByTestId("reaction-picker").getByRole("menuitemradio", { name: "React with 👍" }).click();
    await expect.poll(() => message.getByTestId("kind-reactions").textContent()).toContain("👍");
    await expect.poll(() => sent.getByTestId("sim-reaction").textContent(), { timeout: 15_000 }).toBe("👍");

    // WhatsApp refuses a reaction (this number's own token is wrong): it is taken back, with Meta's reason.
    expect((await call(context, "PATCH", `/api/channels/${channelId}`, { accessToken: `EAAG-wrong-token-${run}-0123456789` })).status).toBe(200);
    await message.hover();
    await message.getByTestId("message-react").click();
    await page.getByTestId("reaction-picker").getByRole("menuitemradio", { name: "React with ❤️" }).click();
    const refusal = message.getByTestId("reaction-error");
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/access token/);
    await expect.poll(() => message.getByTestId("kind-reactions").textContent()).toContain("👍");
    expect(await message.getByTestId("kind-reactions").textContent()).not.toContain("❤️");
    expect((await call(context, "PATCH", `/api/channels/${channelId}`, { accessToken: null })).status).toBe(200);

    // Reply quotes the customer's message; the phone shows the quote above the answer.
    await message.hover();
    await message.getByTestId("message-reply").click();
    const input = page.getByTestId("composer-input");
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("composer-input");
    expect(await page.getByTestId("composer").textContent()).toContain(first);
    await input.fill("Yes, in navy and sky blue.");
    await input.press("Enter");
    const answer = phone.getByTestId("sim-message").filter({ hasText: "Yes, in navy and sky blue." });
    await answer.waitFor({ timeout: 15_000 });
    expect(await answer.getByTestId("sim-quote").textContent()).toBe(first);

    // Back to the default for the other tests.
    expect((await call(context, "PATCH", "/api/settings", { sendReadReceipts: false })).status).toBe(200);
    expect(errors.filter((e) => !/status of (40[19]|502)/.test(e))).toEqual([]);
    expect(phoneErrors).toEqual([]);
    await context.close();
  });

  it("says why the actions can't be used while a colleague holds the conversation", STORY, async ({ expect }) => {
    const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 1000 } });
    await signedInOwner(context);
    const name = `Held ${run}`;
    const { conversationId } = await customerThread(context, name, "Who is looking after me?");
    // A colleague joins and is given the conversation: it is theirs to answer.
    const invitation = await call(context, "POST", "/api/invitations", { email: `anna.${run}@example.com`, role: "agent" });
    expect(invitation.status).toBe(201);
    const agentContext = await browser.newContext();
    const accepted = await call(agentContext, "POST", "/api/invitations/accept", { token: invitation.body!.token, name: `Anna ${run}`, password: "a long agent password" });
    expect(accepted.status).toBe(201);
    await agentContext.close();
    const assigned = await call(context, "POST", `/api/conversations/${conversationId}/assignment`, { userId: accepted.body!.user.id });
    expect(assigned.status).toBe(200);

    const page = await context.newPage();
    await page.goto(`${baseUrl}/inbox/${conversationId}`);
    const message = bubble(page, "Who is looking after me?");
    await message.waitFor();
    // Still reachable by keyboard (aria-disabled, not disabled): it says why instead of acting.
    await message.getByTestId("message-react").focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => message.getByTestId("message-actions-why").textContent()).toContain(`Anna ${run} is answering this conversation`);
    expect(await page.getByTestId("reaction-picker").count()).toBe(0);
    await message.getByTestId("message-reply").focus();
    await page.keyboard.press("Enter");
    expect(await page.getByTestId("composer").textContent()).not.toContain("Who is looking after me?");
    await context.close();
  });
});
