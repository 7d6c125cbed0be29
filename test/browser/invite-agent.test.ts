/**
 * Issue 3's browser test: the owner invites an agent from Settings → Invitations and copies the
 * link; a second browser context opens it, accepts with a name and password, lands in the inbox
 * signed in as the agent, and sees only what an agent may see — Settings shows Profile alone, the
 * admin sections refuse to render, and the API itself answers 403 to the agent's own page.
 *
 * Why this file starts a server of its own: the node suite shares one `wrangler dev` between its
 * files and vitest picks their order (file size, earlier durations). newcomer-path.test.ts needs a
 * first run (it goes straight to /setup), so creating an owner there first would break it, and
 * signing in as the owner it creates would make this test depend on running second. A fresh
 * server (test/node/dev-server.ts, as the fault harness does; the web build is the suite's) makes
 * this test create its own owner through the UI and pass alone, first, last or twice.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, it } from "vitest";
import { startDevServer, type DevServer } from "../node/dev-server";
import { sectionsFor } from "../../web/src/lib/settings/access";
import { collectErrors, launchChromium } from "./browser";

let browser: Browser;
let server: DevServer;

beforeAll(async () => {
  [server, browser] = await Promise.all([startDevServer(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const OWNER = { name: "Olga Owner", email: "olga@example.com", password: "a long owner password" };
const AGENT = { name: "Aiko Agent", email: "aiko@example.com", password: "a long agent password" };

/** Calls the API from inside the page, with the page's own cookie, as a script on it would. */
function apiStatus(page: Page, path: string): Promise<{ status: number; code: string | null }> {
  return page.evaluate(async (url) => {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    const body = (await response.json().catch(() => null)) as { error?: { code?: string } } | null;
    return { status: response.status, code: body?.error?.code ?? null };
  }, path);
}

const ADMIN_SECTIONS = ["users", "invitations", "teams", "tokens", "audit", "workspace"] as const;

describe("inviting an agent", () => {
  it("the owner invites from Settings, the agent accepts in another browser and sees only an agent's settings", async ({ expect }) => {
    const baseUrl = server.url;

    // 1. The owner sets up this fresh workspace and opens Settings from the header.
    const ownerContext = await browser.newContext({ locale: "en-US" });
    await ownerContext.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseUrl });
    const owner = await ownerContext.newPage();
    const ownerErrors = collectErrors(owner);
    await owner.goto(baseUrl);
    await owner.waitForURL(/\/setup$/);
    await owner.getByTestId("setup-name").fill(OWNER.name);
    await owner.getByTestId("setup-email").fill(OWNER.email);
    await owner.getByTestId("setup-password").fill(OWNER.password);
    await owner.getByTestId("setup-submit").click();
    await owner.waitForURL(/\/inbox/);
    await owner.getByTestId("nav-settings").click();
    await owner.waitForURL(/\/settings\/profile$/);
    const ownerMenu = owner.getByTestId("settings-nav").locator('[data-testid^="settings-nav-"]');
    // Every section an Owner may use (the list grows with the product: channels, templates…).
    await expect.poll(() => ownerMenu.count()).toBe(sectionsFor("owner").length);

    // 2. A team for the agent, so the invitation carries one.
    await owner.getByTestId("settings-nav-teams").click();
    await owner.getByTestId("team-name").fill("Support");
    await owner.getByTestId("team-create").click();
    await owner.getByTestId("team-row").filter({ hasText: "Support" }).waitFor();

    // 3. Invite the agent and copy the link with the Copy button.
    await owner.getByTestId("settings-nav-invitations").click();
    await owner.getByTestId("invite-email").fill(AGENT.email);
    await owner.getByTestId("invite-role").selectOption("agent");
    await owner.getByTestId("invite-teams").getByText("Support").click();
    await owner.getByTestId("invite-submit").click();
    const shownLink = await owner.getByTestId("invitation-link").inputValue();
    expect(shownLink).toMatch(new RegExp(`^${baseUrl}/invite#[\\w-]{20,}$`));
    await owner.getByTestId("invitation-link-copy").click();
    await expect.poll(() => owner.getByTestId("invitation-link-copy").textContent()).toBe("Copied");
    const copied = await owner.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(shownLink);
    const pending = owner.getByTestId("invitation-row").filter({ hasText: AGENT.email });
    expect(await pending.getAttribute("data-state")).toBe("pending");

    // 4. The agent opens the copied link in a second browser context and joins.
    const agentContext = await browser.newContext({ locale: "en-US" });
    const agent = await agentContext.newPage();
    const agentErrors = collectErrors(agent);
    await agent.goto(copied);
    await agent.getByTestId("invite-name").fill(AGENT.name);
    await agent.getByTestId("invite-password").fill(AGENT.password);
    await agent.getByTestId("invite-submit").click();
    await agent.waitForURL(/\/inbox/);
    const session = await agent.evaluate(async () => (await (await fetch("/api/session")).json()) as { user: { name: string; email: string; role: string; teams: { name: string }[] } });
    expect(session.user).toMatchObject({ name: AGENT.name, email: AGENT.email, role: "agent" });
    expect(session.user.teams.map((team) => team.name)).toEqual(["Support"]);

    // 5. Settings shows the agent their profile and nothing else.
    await agent.getByTestId("nav-settings").click();
    await agent.waitForURL(/\/settings\/profile$/);
    await agent.getByTestId("settings-profile").waitFor();
    const agentMenu = agent.getByTestId("settings-nav").locator('[data-testid^="settings-nav-"]');
    expect(await agentMenu.evaluateAll((links) => links.map((link) => link.getAttribute("data-testid")))).toEqual(["settings-nav-profile"]);
    expect(await agent.getByTestId("profile-email").inputValue()).toBe(AGENT.email);

    // Typing an admin section's address shows a notice, never the section (nor its API calls).
    for (const section of ADMIN_SECTIONS) {
      await agent.goto(`${baseUrl}/settings/${section}`);
      await agent.getByTestId("settings-not-allowed").waitFor();
      expect(await agent.getByTestId(`settings-${section}`).count(), section).toBe(0);
    }
    expect(agentErrors).toEqual([]);

    // 6. The server is the authority: the agent's own page is refused the admin API.
    expect(await apiStatus(agent, "/api/users")).toEqual({ status: 403, code: "forbidden" });
    expect(await apiStatus(agent, "/api/invitations")).toEqual({ status: 403, code: "forbidden" });
    expect(await apiStatus(agent, "/api/tokens")).toEqual({ status: 403, code: "forbidden" });
    expect(await apiStatus(agent, "/api/audit-log")).toEqual({ status: 403, code: "forbidden" });
    // Chromium logs each refused fetch as "Failed to load resource … 403"; those four are expected.
    expect(agentErrors.filter((error) => !/status of 403/.test(error))).toEqual([]);
    expect(agentErrors).toHaveLength(4);

    // 7. Back with the owner: the invitation is accepted and the agent is listed with their team.
    await owner.getByTestId("settings-nav-users").click();
    const agentRow = owner.getByTestId("user-row").filter({ hasText: AGENT.email });
    await agentRow.waitFor();
    expect(await agentRow.getByTestId("user-role").textContent()).toBe("Agent");
    expect(await agentRow.getByTestId("user-teams").textContent()).toContain("Support");
    await owner.getByTestId("settings-nav-invitations").click();
    await expect
      .poll(() => owner.getByTestId("invitation-row").filter({ hasText: AGENT.email }).getAttribute("data-state"))
      .toBe("accepted");

    expect(ownerErrors).toEqual([]);
    await agentContext.close();
    await ownerContext.close();
  });
});
