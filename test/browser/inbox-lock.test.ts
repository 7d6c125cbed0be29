/**
 * The reply lock from issue 4, end to end in a real browser against the real app under
 * `wrangler dev` with the simulator: two agents in two browser contexts and a customer.
 *
 * Agent A opens the customer's thread and starts typing (which claims it) → agent B, who has the
 * same thread open, sees "A is replying" and cannot send (the box is disabled, and the server
 * answers B 409 `locked`) → a manager (the owner) reassigns the thread to B in the assignee picker
 * → B replies and the customer receives it → A, whose browser has not heard of the reassignment
 * yet, presses send and is refused: the 409 is shown in plain words, and the customer never
 * receives A's text.
 *
 * The suite's server is shared with the other browser files: the owner is created here only when
 * nobody has set the workspace up yet (otherwise it is the one newcomer-path.test.ts made), and
 * the agents and the customer are new for this run.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
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

/** An agent invited by the owner (POST /api/invitations) who accepts in their own context. */
async function invitedAgent(owner: BrowserContext, context: BrowserContext, name: string): Promise<{ id: string; name: string }> {
  const invitation = await post(owner, "/api/invitations", { email: `${name.toLowerCase().replace(/\W+/g, ".")}.${run}@example.com`, role: "agent" });
  if (invitation.status !== 201 && invitation.status !== 200) throw new Error(`invitation failed: ${invitation.status} ${JSON.stringify(invitation.body)}`);
  const accepted = await post(context, "/api/invitations/accept", { token: invitation.body!.token, name, password: "a long agent password" });
  if (accepted.status !== 201 && accepted.status !== 200) throw new Error(`accept failed: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  return { id: accepted.body!.user.id, name };
}

/** Console errors a page may show in this story: the browser logs refused requests as errors. */
function unexpected(errors: string[], allowedStatuses: number[]): string[] {
  const allowed = new RegExp(`status of (${[401, ...allowedStatuses].join("|")})\\b`);
  return errors.filter((e) => !allowed.test(e));
}

async function openThread(page: Page, id: string): Promise<void> {
  await page.goto(`${baseUrl}/inbox/${id}`);
  await page.getByTestId("thread").waitFor();
  await page.getByTestId("composer-input").waitFor();
}

describe("the reply lock in the inbox", () => {
  it("shows B that A is replying, lets a manager reassign to B, and refuses A with the 409 in plain words", async ({ expect }) => {
    const ownerContext = await browser.newContext({ locale: "en-US" });
    const aContext = await browser.newContext({ locale: "en-US" });
    const bContext = await browser.newContext({ locale: "en-US" });
    await signedInOwner(ownerContext);
    const anna = await invitedAgent(ownerContext, aContext, `Anna ${run}`);
    const ben = await invitedAgent(ownerContext, bContext, `Ben ${run}`);

    // A customer writes from the simulator's JSON API.
    const customerText = `Where is my order ${run}?`;
    const phone = `+1555${String(Date.now()).slice(-7)}`;
    const customer = await post(ownerContext, "/simulator/api/customers", { phone, name: `Casey ${run}` });
    expect(customer.status).toBeLessThan(300);
    const customerId: string = customer.body!.customer?.id ?? customer.body!.id;
    expect((await post(ownerContext, `/simulator/api/customers/${customerId}/messages`, { text: customerText })).status).toBeLessThan(300);

    // Find the thread as the owner sees it.
    let conversationId: string | undefined;
    await expect
      .poll(
        async () => {
          const list = await (await ownerContext.request.get(`${baseUrl}/api/conversations?q=${encodeURIComponent(`Casey ${run}`)}`)).json();
          conversationId = list.conversations?.[0]?.id;
          return conversationId;
        },
        { timeout: 15_000 },
      )
      .toBeTruthy();
    const id = conversationId!;

    const a = await aContext.newPage();
    const b = await bContext.newPage();
    const owner = await ownerContext.newPage();
    const aErrors = collectErrors(a);
    const bErrors = collectErrors(b);
    const ownerErrors = collectErrors(owner);

    // A's live events pass through here so the test can hold them back later: that is how A's
    // browser can still believe it holds the thread when it presses send (a slow network does the
    // same), which is exactly when the server's 409 matters.
    let holdBackA = false;
    await a.routeWebSocket(/\/api\/events$/, (ws) => {
      const server = ws.connectToServer();
      server.onMessage((message) => {
        if (!holdBackA || message === "pong") ws.send(message);
      });
      ws.onMessage((message) => server.send(message));
    });

    // 1. Both agents open the unassigned thread; B's composer is free.
    await openThread(a, id);
    await openThread(b, id);
    await a.getByTestId("message").filter({ hasText: customerText }).waitFor();
    await expect.poll(() => a.getByTestId("live-status").getAttribute("data-state")).toBe("open");
    await expect.poll(() => b.getByTestId("live-status").getAttribute("data-state")).toBe("open");
    expect(await b.getByTestId("composer-input").isEnabled()).toBe(true);

    // 2. A starts typing: the thread is claimed at the first key.
    const aDraft = `Hi, this is Anna, checking your order ${run}`;
    await a.getByTestId("composer-input").pressSequentially("Hi");
    await expect.poll(() => a.getByTestId("assignee").textContent(), { timeout: 10_000 }).toContain(anna.name);

    // 3. B sees "Anna is replying" without reloading, and cannot send. Usually the live socket
    // says so at once; the hub does not promise to tell an agent about a thread they just lost
    // (after it wakes from hibernation it does not know who could see it before), so B may only
    // learn it on starting to type: the first key tries to claim, the 409 names Anna, and the box
    // closes before a word is written.
    const bLock = b.getByTestId("lock-banner");
    const heardLive = await bLock.waitFor({ timeout: 3_000 }).then(
      () => true,
      () => false,
    );
    if (!heardLive) await b.getByTestId("composer-input").press("I", { timeout: 2_000 }).catch(() => {});
    await bLock.waitFor({ timeout: 10_000 });
    expect(await bLock.textContent()).toContain(`${anna.name} is replying`);
    expect(await b.getByTestId("composer-input").isDisabled()).toBe(true);
    expect(await b.getByTestId("composer-send").isDisabled()).toBe(true);
    // The server says the same to B, naming the holder.
    const bTry = await bContext.request.post(`${baseUrl}/api/conversations/${id}/messages`, {
      data: { text: "B trying anyway" },
      headers: { Origin: baseUrl, "Idempotency-Key": `b-${run}` },
    });
    expect(bTry.status()).toBe(409);
    expect((await bTry.json()).error).toMatchObject({ code: "locked", holder: { id: anna.id } });

    // A finishes the draft but has not sent it yet; A's browser stops hearing live events.
    await a.getByTestId("composer-input").fill(aDraft);
    holdBackA = true;

    // 4. The owner reassigns the thread to B in the assignee picker.
    await openThread(owner, id);
    await owner.getByTestId("assign-button").click();
    await owner.locator(`[data-testid="assign-option"][data-user-id="${ben.id}"]`).click();
    await expect.poll(() => owner.getByTestId("assignee").textContent(), { timeout: 10_000 }).toContain(ben.name);
    await owner.getByTestId("activity").filter({ hasText: `assigned ${ben.name}` }).waitFor({ timeout: 10_000 });

    // 5. B's lock lifts live; B replies, and the customer receives it.
    await bLock.waitFor({ state: "detached", timeout: 10_000 });
    const bReply = `Hello, Ben here: your order ${run} ships today.`;
    await b.getByTestId("composer-input").fill(bReply);
    await b.getByTestId("composer-send").click();
    const bBubble = b.locator('[data-testid="message"][data-direction="out"]').filter({ hasText: bReply });
    await expect.poll(() => bBubble.getAttribute("data-status"), { timeout: 15_000 }).toMatch(/sent|delivered|read/);

    // 6. A presses send on the stale draft: refused, and told why in plain words.
    await a.getByTestId("composer-send").click();
    const aFailed = a.locator('[data-testid="message"][data-pending="true"]').filter({ hasText: aDraft });
    await expect.poll(() => aFailed.getAttribute("data-status"), { timeout: 10_000 }).toBe("failed");
    expect(await aFailed.textContent()).toContain(`${ben.name} is replying to this conversation right now.`);
    // A's composer now shows who holds the thread and stays closed to A.
    await expect.poll(() => a.getByTestId("composer-input").isDisabled(), { timeout: 10_000 }).toBe(true);

    // The customer got B's reply and never A's draft.
    await expect
      .poll(
        async () => {
          const chat = await (await ownerContext.request.get(`${baseUrl}/simulator/api/customers/${customerId}/messages`)).json();
          return JSON.stringify(chat);
        },
        { timeout: 15_000 },
      )
      .toContain(bReply);
    const chat = JSON.stringify(await (await ownerContext.request.get(`${baseUrl}/simulator/api/customers/${customerId}/messages`)).json());
    expect(chat).not.toContain(aDraft);

    // No console errors but the refusals this story is about: A's 409 and then the 404 of a
    // thread A may no longer open (and B's 409 when B learnt of the lock by typing); 401s of
    // signed-out checks are expected anywhere.
    expect(unexpected(aErrors, [409, 404])).toEqual([]);
    expect(unexpected(bErrors, heardLive ? [] : [409])).toEqual([]);
    expect(unexpected(ownerErrors, [])).toEqual([]);

    await ownerContext.close();
    await aContext.close();
    await bContext.close();
  });
});
