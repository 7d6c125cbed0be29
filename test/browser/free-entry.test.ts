/**
 * Issue 5's free entry point in the browser: a customer who came from a click-to-WhatsApp ad and
 * is answered within 24 hours gets a 72-hour free window — the thread header shows it counting
 * down ("free for 71 h 59 m"), with the end time in its tooltip, as soon as the answer is sent; a
 * thread that did not come from an ad never shows it.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, inject, it } from "vitest";
import { customerThread, signedInOwner } from "./app-api";
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

describe("the free entry point window", () => {
  it("shows once an ad's customer is answered in time, and never for an ordinary thread", { timeout: 120_000 }, async ({ expect }) => {
    const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 900 } });
    await signedInOwner(context);
    const fromAd = await customerThread(context, `Ad ${run}`, "I saw your ad for the blue mug", { fromAd: true });
    const ordinary = await customerThread(context, `Plain ${run}`, "Hello there");
    const page = await context.newPage();
    const errors = collectErrors(page);

    await page.goto(`${baseUrl}/inbox/${fromAd.conversationId}`);
    const input = page.getByTestId("composer-input");
    await input.waitFor();
    // The ad alone does not make anything free: the answer within 24 hours does.
    expect(await page.getByTestId("thread-free-entry").count()).toBe(0);
    await input.fill("Thanks for writing! Yes, it's in stock.");
    await input.press("Enter");
    const badge = page.getByTestId("thread-free-entry");
    await badge.waitFor({ timeout: 15_000 });
    expect(await badge.textContent()).toMatch(/^free for (71 h 5\d m|72 h)$/);
    expect(await badge.getAttribute("title")).toContain("free until");

    await page.goto(`${baseUrl}/inbox/${ordinary.conversationId}`);
    await page.getByTestId("composer-input").waitFor();
    await page.getByTestId("composer-input").fill("Hi! How can we help?");
    await page.getByTestId("composer-input").press("Enter");
    await page.getByTestId("message").filter({ hasText: "Hi! How can we help?" }).waitFor();
    expect(await page.getByTestId("thread-free-entry").count()).toBe(0);

    // Reloading reads it from the server, not only from the live event.
    await page.goto(`${baseUrl}/inbox/${fromAd.conversationId}`);
    await page.getByTestId("thread-free-entry").waitFor({ timeout: 15_000 });
    expect(errors.filter((e) => !/status of 40[19]/.test(e))).toEqual([]);
    await context.close();
  });
});
