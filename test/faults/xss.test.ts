/**
 * Customer content is text, never markup. Every payload of the XSS corpus (script tags, event
 * handlers, javascript: links, SVG, bidi and zero-width tricks, layout breakers) is placed in every
 * customer-controlled field Chorus keeps — profile name, text, image caption, document file name
 * and caption, location name and address, quick-reply button text, interactive button and list
 * titles, contact-card name, order text, reaction emoji, and an ad referral's headline and body —
 * sent through signed webhooks to the real app, then rendered in Chromium in the inbox list and in
 * each thread, at a desktop and a phone width. No script may run (a trap on `window.__xss`,
 * dialogs, "XSS-FIRED" console markers, CSP violations, requests for injected images), each
 * payload must be on screen as literal text, and no list item or bubble may overflow the viewport.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, it } from "vitest";
import { launchChromium } from "../browser/browser";
import { startDevServer, type DevServer } from "../node/dev-server";
import { ChorusClient } from "./harness/chorus-client";
import { envelope, inboundValue, newWamid, postWebhook, type InboundSpec } from "./harness/meta";
import { XSS_CORPUS } from "./harness/xss-corpus";

let server: DevServer;
let browser: Browser;
let owner: ChorusClient;
/** conversation id → payload index */
const threads = new Map<string, number>();

/** Every customer-controlled field for one payload, as Meta would send them (oldest first). */
function messagesFor(payload: string, customer: { waId: string; name: string }, start: number): InboundSpec[] {
  const contents: Array<{ type: string; content: unknown; referral?: unknown }> = [
    { type: "text", content: { body: payload } },
    { type: "image", content: { caption: payload, mime_type: "image/jpeg", sha256: "x", id: "1" } },
    { type: "document", content: { filename: payload, mime_type: "application/pdf", sha256: "x", id: "2" } },
    { type: "document", content: { caption: payload, filename: "report.pdf", mime_type: "application/pdf", sha256: "x", id: "3" } },
    { type: "location", content: { latitude: 35.68, longitude: 139.76, name: payload, address: payload } },
    { type: "button", content: { text: payload, payload: payload } },
    { type: "interactive", content: { type: "button_reply", button_reply: { id: "b1", title: payload } } },
    { type: "interactive", content: { type: "list_reply", list_reply: { id: "l1", title: payload, description: payload } } },
    { type: "contacts", content: [{ name: { formatted_name: payload, first_name: payload }, phones: [{ phone: "+1 555 0100" }] }] },
    { type: "order", content: { catalog_id: "c1", text: payload, product_items: [] } },
    // Reacts to the first message (the text): the app shows it on that bubble, not as one of its own.
    { type: "reaction", content: { message_id: "__FIRST__", emoji: payload.slice(0, 40) } },
    {
      type: "text",
      content: { body: "I saw your ad" },
      referral: { source_url: "https://fb.me/ad", source_id: "1", source_type: "ad", headline: payload, body: payload, ctwa_clid: "c" },
    },
  ];
  const specs = contents.map((c, i) => ({ customer, wamid: newWamid("XSS"), at: start + i * 1000, type: c.type, content: c.content, referral: c.referral }));
  for (const spec of specs) {
    if (spec.type === "reaction") spec.content = { ...(spec.content as object), message_id: specs[0]!.wamid };
  }
  return specs;
}

/**
 * What must appear literally in the thread: the payload itself, as text. (How each kind lays it
 * out — a location's name and address, a file name under a caption — is the web app's choice.)
 */
function expectedTexts(payload: string): string[] {
  return [payload];
}

beforeAll(async () => {
  server = await startDevServer();
  owner = new ChorusClient(server.url);
  await owner.setupOwner();
  const start = Date.now() - 3_600_000;
  for (const [i, payload] of XSS_CORPUS.entries()) {
    const customer = { waId: `1555600${String(i).padStart(4, "0")}`, name: payload };
    const res = await postWebhook(server.url, server.appSecret, envelope([inboundValue(messagesFor(payload, customer, start + i * 20_000))]));
    if (res.status !== 200) throw new Error(`payload ${i}: webhook answered ${res.status} ${res.body}`);
  }
  for (const c of await owner.allConversations()) threads.set(c.id, Number(c.contact.waId!.slice(-4)));
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

interface Evidence {
  hits: string[];
  csp: string[];
  console: string[];
  dialogs: string[];
  injectedRequests: string[];
}

async function openInbox(width: number, height: number): Promise<{ page: Page; evidence: Evidence }> {
  const context = await browser.newContext({ viewport: { width, height }, locale: "en-US" });
  const [name, ...rest] = owner.cookie.split("=");
  await context.addCookies([{ name: name!, value: rest.join("="), url: server.url }]);
  await context.addInitScript(() => {
    const w = window as unknown as Record<string, unknown>;
    const hits: string[] = [];
    w.__xssHits = hits;
    Object.defineProperty(window, "__xss", { configurable: false, get: () => undefined, set: (v) => void hits.push(`__xss=${String(v)}`) });
    for (const f of ["alert", "confirm", "prompt", "print"]) w[f] = () => void hits.push(f);
    const csp: string[] = [];
    w.__csp = csp;
    document.addEventListener("securitypolicyviolation", (e) => void csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample ?? ""}`));
  });
  const page = await context.newPage();
  const evidence: Evidence = { hits: [], csp: [], console: [], dialogs: [], injectedRequests: [] };
  page.on("console", (msg) => {
    if (msg.text().includes("XSS-FIRED")) evidence.console.push(msg.text());
  });
  page.on("dialog", (dialog) => {
    evidence.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on("request", (req) => {
    // An injected <img src=x> / <audio src=x> would load "<page>/x"; a srcdoc/data: frame would navigate.
    if (/\/x$/.test(new URL(req.url()).pathname) || req.url().startsWith("data:") || req.url().startsWith("javascript:")) {
      evidence.injectedRequests.push(req.url());
    }
  });
  await page.goto(`${server.url}/inbox`);
  return { page, evidence };
}

async function collect(page: Page, evidence: Evidence): Promise<Evidence> {
  const inPage = await page.evaluate(() => {
    const w = window as unknown as { __xssHits: string[]; __csp: string[] };
    return { hits: [...w.__xssHits], csp: [...w.__csp] };
  });
  return { ...evidence, hits: inPage.hits, csp: inPage.csp };
}

/** Elements customer text must never produce, and links whose scheme is not allow-listed. */
async function injected(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((sel) => {
    const found: string[] = [];
    for (const root of document.querySelectorAll(sel)) {
      for (const el of root.querySelectorAll("*")) {
        const tag = el.tagName.toLowerCase();
        if (["script", "iframe", "object", "embed", "img", "video", "audio", "source", "form", "input", "style", "link", "meta", "base", "math", "template", "details", "marquee", "xss", "body", "noscript", "textarea", "title"].includes(tag)) {
          found.push(`<${tag}> in ${sel}`);
        }
        for (const attr of el.getAttributeNames()) if (attr.toLowerCase().startsWith("on")) found.push(`${tag}[${attr}] in ${sel}`);
        if (tag === "a") {
          const href = el.getAttribute("href") ?? "";
          const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(href)?.[1]?.toLowerCase();
          if (scheme && !["http", "https", "mailto", "tel"].includes(scheme)) found.push(`a[href=${href.slice(0, 60)}] in ${sel}`);
        }
      }
    }
    return found;
  }, selector);
}

/** Boxes that stick out of the viewport, and a page wider than the screen. */
async function overflow(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((sel) => {
    const width = window.innerWidth;
    const out: string[] = [];
    for (const el of document.querySelectorAll(sel)) {
      const r = el.getBoundingClientRect();
      if (r.width === 0) continue; // not displayed (e.g. the list behind an open thread on a phone)
      if (r.right > width + 1 || r.left < -1) out.push(`${sel} spans ${Math.round(r.left)}–${Math.round(r.right)} of ${width}`);
    }
    const scroll = document.documentElement.scrollWidth;
    if (scroll > width + 1) {
      // Name the outermost elements that stick out, so the failure says what to fix.
      const culprits = [...document.body.querySelectorAll("*")]
        .filter((el) => el.getBoundingClientRect().right > width + 1 && !(el.parentElement && el.parentElement.getBoundingClientRect().right > width + 1))
        .slice(0, 3)
        .map((el) => `${el.tagName.toLowerCase()}${el.getAttribute("data-testid") ? `[data-testid=${el.getAttribute("data-testid")}]` : ""}${el.className && typeof el.className === "string" ? `.${el.className.trim().split(/\s+/).join(".")}` : ""} (right ${Math.round(el.getBoundingClientRect().right)})`);
      out.push(`page scrolls sideways: ${scroll} > ${width}; sticking out: ${culprits.join(", ") || "?"}`);
    }
    return out;
  }, selector);
}

describe("the XSS corpus in every customer field", () => {
  for (const [label, width, height] of [["desktop", 1280, 800], ["phone", 390, 844]] as const) {
    it(`runs no script and keeps the layout (${label}, ${width}px, ${XSS_CORPUS.length} payloads)`, { timeout: 240_000 }, async ({ expect }) => {
      expect(XSS_CORPUS.length).toBeGreaterThanOrEqual(50);
      expect(threads.size).toBe(XSS_CORPUS.length);
      const { page, evidence } = await openInbox(width, height);
      const problems: string[] = [];

      // The list (virtualised: only the rows in view exist): scroll it from top to bottom, loading
      // more pages as the app does, and check every row while it is rendered.
      const items = page.getByTestId("conversation-item");
      await items.first().waitFor({ timeout: 20_000 });
      const seen = new Map<string, string>();
      /** Scroll the list's own scroller (the nearest scrollable ancestor of a row); returns its state. */
      const scrollList = (how: "top" | "bottom" | "down") =>
        items.first().evaluate((el, mode) => {
          let node: HTMLElement | null = el.parentElement;
          while (node && !(node.scrollHeight > node.clientHeight + 1 && getComputedStyle(node).overflowY !== "visible")) node = node.parentElement;
          const scroller = node ?? (document.scrollingElement as HTMLElement);
          if (mode === "top") scroller.scrollTop = 0;
          else if (mode === "bottom") scroller.scrollTop = scroller.scrollHeight;
          else scroller.scrollBy(0, Math.max(100, scroller.clientHeight * 0.5));
          return { atEnd: scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 1, height: scroller.scrollHeight };
        }, how);
      // First load every page (the app loads the next one near the end), then sweep top to bottom.
      let listHeight = -1;
      for (let i = 0; i < 30; i++) {
        // The app also loads the next page by itself near the end, which may replace the button mid-click.
        if (await page.getByTestId("load-more").isVisible().catch(() => false)) await page.getByTestId("load-more").click({ timeout: 2000 }).catch(() => {});
        const state = await scrollList("bottom");
        await page.waitForTimeout(300);
        if (state.height === listHeight && !(await page.getByTestId("load-more").isVisible().catch(() => false))) break;
        listHeight = state.height;
      }
      for (let sweep = 0; sweep < 3 && seen.size < XSS_CORPUS.length; sweep++) {
        await scrollList("top");
        await page.waitForTimeout(200);
        for (let step = 0; step < 200; step++) {
          problems.push(...(await injected(page, '[data-testid="conversation-item"]')));
          problems.push(...(await overflow(page, '[data-testid="conversation-item"]')));
          for (const [id, text] of await items.evaluateAll((els) => els.map((el) => [el.getAttribute("data-id")!, el.textContent ?? ""] as const))) seen.set(id, text);
          const state = await scrollList("down");
          await page.waitForTimeout(100);
          if (state.atEnd) {
            for (const [id, text] of await items.evaluateAll((els) => els.map((el) => [el.getAttribute("data-id")!, el.textContent ?? ""] as const))) seen.set(id, text);
            break;
          }
        }
      }
      expect(seen.size).toBe(XSS_CORPUS.length);
      for (const [id, text] of seen) {
        const payload = XSS_CORPUS[threads.get(id)!]!.trim();
        if (payload.length <= 150 && !text.includes(payload)) problems.push(`list item ${id} does not show its name as text`);
      }

      // Each thread.
      for (const [id, index] of threads) {
        const payload = XSS_CORPUS[index]!;
        await page.goto(`${server.url}/inbox/${id}`);
        const thread = page.locator(`[data-testid="thread"][data-id="${id}"]`);
        await thread.waitFor({ timeout: 30_000 });
        const bubbles = thread.getByTestId("message");
        // 12 messages, of which the reaction shows on its target: at least 11 bubbles.
        await expect.poll(() => bubbles.count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(11);
        const texts = await bubbles.evaluateAll((els) => els.map((el) => el.textContent ?? ""));
        for (const expected of expectedTexts(payload)) {
          if (!texts.some((t) => t.includes(expected))) problems.push(`thread ${index}: "${expected.slice(0, 40)}" is not shown as text`);
        }
        problems.push(...(await injected(page, '[data-testid="message"]')));
        problems.push(...(await overflow(page, '[data-testid="message"]')));
        // Linger a moment so a deferred handler (onload, onbegin, a meta refresh) would have fired.
        if (index % 10 === 0) await page.waitForTimeout(300);
      }

      const final = await collect(page, evidence);
      expect(final.hits, "a payload ran script").toEqual([]);
      expect(final.console, "a payload logged its marker").toEqual([]);
      expect(final.dialogs, "a payload opened a dialog").toEqual([]);
      expect(final.csp, "the page violated its CSP (something was injected)").toEqual([]);
      expect(final.injectedRequests, "an injected element made a request").toEqual([]);
      expect(problems).toEqual([]);
      await page.context().close();
    });
  }
});
