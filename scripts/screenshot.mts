// Regenerates docs/screenshot.png and docs/simulator.png: the real app under wrangler dev with the
// simulator, two customers writing, an agent replying. Run after `npm run build`: `npm run screenshot`.
import { startDevServer } from "../test/node/dev-server.ts";
import { launchChromium } from "../test/browser/browser.ts";
process.env.CHORUS_SKIP_BUILD = "1";
const s = await startDevServer();
const b = await launchChromium();
try {
  const ctx = await b.newContext({ viewport: { width: 1100, height: 700 }, locale: "en-US" });
  const p = await ctx.newPage();
  await p.goto(s.url); await p.waitForURL(/setup/);
  await p.getByTestId("setup-name").fill("Olivia Owner");
  await p.getByTestId("setup-email").fill("olivia@example.com");
  await p.getByTestId("setup-password").fill("a long owner password");
  await p.getByTestId("setup-submit").click(); await p.waitForURL(/inbox/);
  const sctx = await b.newContext({ viewport: { width: 900, height: 700 }, locale: "en-US" });
  const sim = await sctx.newPage();
  await sim.goto(`${s.url}/simulator`);
  for (const [num, name, text] of [["+81 90 1234 5678", "Yuki Tanaka", "こんにちは！明日の予約を変更できますか？"], ["+1 555 000 1234", "Sheena Nelson", "Hi! Does the blue jacket come in size M?"]]) {
    await sim.getByTestId("sim-new-customer-phone").fill(num);
    const nameField = sim.getByTestId("sim-new-customer-name");
    if (await nameField.count()) await nameField.fill(name);
    await sim.getByTestId("sim-create-customer").click();
    await sim.getByTestId("sim-compose").fill(text);
    await sim.getByTestId("sim-send").click();
    await p.waitForTimeout(800);
  }
  const item = p.getByTestId("conversation-item").filter({ hasText: "blue jacket" });
  await item.waitFor(); await item.click();
  await p.getByTestId("composer-input").fill("Hi Sheena! Yes — size M is in stock. Shall I reserve one for you?");
  await p.getByTestId("composer-send").click();
  await p.waitForTimeout(4000);
  await p.screenshot({ path: "docs/screenshot.png" });
  await sim.screenshot({ path: "docs/simulator.png" });
} finally { await b.close(); await s.stop(); }
