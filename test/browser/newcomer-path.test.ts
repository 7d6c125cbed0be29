/**
 * The newcomer path from issue 2, end to end in a real browser against the real app under
 * `wrangler dev` with the simulator: create the owner → a customer writes "hello" in the
 * simulator → it appears in the inbox without a reload → reply → the simulator shows the reply →
 * the reply's ticks go sent → delivered → read.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, inject, it } from "vitest";
import { collectErrors, launchChromium } from "./browser";

let browser: Browser;
const baseUrl = inject("baseUrl");

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe("the newcomer path", () => {
  it("sets up, receives a simulated customer's hello live, replies, and sees sent → delivered → read", async ({ expect }) => {
    const inboxContext = await browser.newContext({ locale: "en-US" });
    const inbox = await inboxContext.newPage();
    const inboxErrors = collectErrors(inbox);

    // 1. First run: the root sends a newcomer to setup, which creates the owner and signs them in.
    await inbox.goto(baseUrl);
    await inbox.waitForURL(/\/setup$/);
    await inbox.getByTestId("setup-name").fill("Olivia Owner");
    await inbox.getByTestId("setup-email").fill("olivia@example.com");
    await inbox.getByTestId("setup-password").fill("a long owner password");
    await inbox.getByTestId("setup-submit").click();
    await inbox.waitForURL(/\/inbox/);
    await expect.poll(() => inbox.getByTestId("live-status").getAttribute("data-state")).toBe("open");

    // 2. A customer writes from the simulator, in another tab.
    const simContext = await browser.newContext({ locale: "en-US" });
    const sim = await simContext.newPage();
    const simErrors = collectErrors(sim);
    await sim.goto(`${baseUrl}/simulator`);
    await sim.getByTestId("sim-new-customer-phone").fill("+1 555 000 1234");
    await sim.getByTestId("sim-create-customer").click();
    await sim.getByTestId("sim-compose").fill("hello");
    await sim.getByTestId("sim-send").click();

    // 3. The thread appears in the inbox without a reload.
    const item = inbox.getByTestId("conversation-item").filter({ hasText: "hello" });
    await item.waitFor({ timeout: 15_000 });
    await item.click();
    const thread = inbox.getByTestId("thread");
    await thread.getByTestId("message").filter({ hasText: "hello" }).waitFor();

    // Record every status the reply shows, so the test proves the order and not only the end.
    await inbox.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seenStatuses: string[] }).seenStatuses = seen;
      const record = () => {
        const outbound = document.querySelectorAll('[data-testid="message"][data-direction="out"]');
        const last = outbound[outbound.length - 1];
        const status = last?.getAttribute("data-status");
        if (status && seen[seen.length - 1] !== status) seen.push(status);
      };
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true });
    });

    // 4. Reply.
    await inbox.getByTestId("composer-input").fill("Hi! How can we help?");
    await inbox.getByTestId("composer-send").click();

    // 5. The simulator's customer sees the reply.
    await sim.getByTestId("sim-message").filter({ hasText: "Hi! How can we help?" }).waitFor({ timeout: 15_000 });

    // 6. The ticks go sent → delivered → read, live.
    const reply = thread.locator('[data-testid="message"][data-direction="out"]').filter({ hasText: "Hi! How can we help?" });
    await expect.poll(() => reply.getAttribute("data-status"), { timeout: 20_000 }).toBe("read");
    const seen = await inbox.evaluate(() => (window as unknown as { seenStatuses: string[] }).seenStatuses);
    const order = ["queued", "sent", "delivered", "read"];
    expect(seen.filter((s) => order.includes(s))).toEqual([...seen.filter((s) => order.includes(s))].sort((a, b) => order.indexOf(a) - order.indexOf(b)));
    expect(seen).toContain("delivered");
    expect(seen[seen.length - 1]).toBe("read");

    expect(inboxErrors).toEqual([]);
    expect(simErrors).toEqual([]);
    await inboxContext.close();
    await simContext.close();
  });
});
