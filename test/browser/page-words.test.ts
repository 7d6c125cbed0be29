/**
 * Every page speaks English and Japanese — never a raw message key. Dictionaries are registered
 * per area (web/src/lib/i18n/index.ts for the inbox's first load; settings, reports, templates and
 * the composer by the pages that use them), so a page that forgot to register the words it uses
 * would show keys like "settings.section.profile". svelte-i18n shows the key itself for a missing
 * message: this visits each page signed in as the Owner, in both languages, and looks for any key
 * of any dictionary in what is on screen.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, inject, it } from "vitest";
import composerEn from "../../web/src/lib/i18n/composer.en";
import en from "../../web/src/lib/i18n/en";
import inboxEn from "../../web/src/lib/i18n/inbox.en";
import reportsEn from "../../web/src/lib/i18n/reports.en";
import settingsEn from "../../web/src/lib/i18n/settings.en";
import templatesEn from "../../web/src/lib/i18n/templates.en";
import whatsappEn from "../../web/src/lib/i18n/whatsapp.en";
import { customerThread, signedInOwner } from "./app-api";
import { collectErrors, launchChromium } from "./browser";

const baseUrl = inject("baseUrl");

function keysOf(dict: object, prefix = ""): string[] {
  return Object.entries(dict).flatMap(([key, value]) => (typeof value === "string" ? [`${prefix}${key}`] : keysOf(value as object, `${prefix}${key}.`)));
}
const KEYS = [...new Set([en, inboxEn, whatsappEn, settingsEn, reportsEn, templatesEn, composerEn].flatMap((d) => keysOf(d)))];

const PAGES = [
  "/settings/profile",
  "/settings/users",
  "/settings/invitations",
  "/settings/teams",
  "/settings/tokens",
  "/settings/channels",
  "/settings/templates",
  "/settings/audit",
  "/settings/workspace",
  "/reports",
  "/reports/business-hours",
];

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe("every page in both languages", () => {
  it("shows words, never a message key, on the inbox, a thread, Settings and Reports", { timeout: 240_000 }, async ({ expect }) => {
    const setupContext = await browser.newContext();
    await signedInOwner(setupContext);
    const { conversationId } = await customerThread(setupContext, `Words ${Date.now().toString(36)}`, "こんにちは");
    await setupContext.close();

    for (const language of ["en", "ja"] as const) {
      const context = await browser.newContext({ locale: language === "ja" ? "ja-JP" : "en-US" });
      await signedInOwner(context);
      const page = await context.newPage();
      const errors = collectErrors(page);
      for (const path of ["/inbox", `/inbox/${conversationId}`, ...PAGES]) {
        await page.goto(`${baseUrl}${path}`);
        await page.waitForLoadState("networkidle");
        // The page's own heading is there (not the fallback "Loading…" shell).
        await page.locator("main h1, main h2").first().waitFor({ timeout: 20_000 });
        const text = await page.locator("body").innerText();
        const shown = KEYS.filter((key) => text.includes(key));
        expect(shown, `${language} ${path}`).toEqual([]);
        expect(await page.evaluate(() => document.documentElement.lang), `${language} ${path}`).toBe(language);
      }
      expect(errors.filter((e) => !/status of 40[19]/.test(e)), language).toEqual([]);
      await context.close();
    }
  });
});
