/**
 * The simulator page: HTML and CSS here, the script in client/simulator.js (imported as text; see
 * wrangler.toml [[rules]]). Every visible string is filled in by the script in English or Japanese;
 * the HTML only carries data-i18n keys. No inline script or style: CSP allows 'self' only.
 */
import { Hono } from "hono";
import type { AppEnv } from "../env";
import script from "./client/simulator.js";

export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; media-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="color-scheme" content="light">
<title>WhatsApp simulator · Chorus</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/simulator/assets/simulator.css">
<script type="module" src="/simulator/assets/simulator.js"></script>
</head>
<body>
<div class="app" id="app" data-view="list">
  <section class="pane list-pane">
    <header class="bar">
      <div class="bar-text">
        <h1 data-i18n="title">WhatsApp simulator</h1>
        <p class="sub" id="business-line"></p>
      </div>
      <button type="button" class="lang" id="lang-switch" data-testid="sim-language"></button>
    </header>
    <form class="new-customer" id="new-customer" novalidate>
      <h2 data-i18n="newCustomer"></h2>
      <label><span data-i18n="phoneLabel"></span>
        <input id="new-phone" name="phone" data-testid="sim-new-customer-phone" inputmode="tel" autocomplete="off" data-i18n-placeholder="phonePlaceholder"></label>
      <label><span data-i18n="usernameLabel"></span>
        <input id="new-username" name="username" data-testid="sim-new-customer-username" autocomplete="off" autocapitalize="none" spellcheck="false" data-i18n-placeholder="usernamePlaceholder"></label>
      <label><span data-i18n="nameLabel"></span>
        <input id="new-name" name="name" data-testid="sim-new-customer-name" autocomplete="off" data-i18n-placeholder="namePlaceholder"></label>
      <p class="form-error" id="new-error" role="alert" hidden></p>
      <button type="submit" class="primary" data-testid="sim-create-customer" data-i18n="create"></button>
    </form>
    <h2 class="list-title" data-i18n="customers"></h2>
    <ul class="customers" id="customers"></ul>
    <p class="empty" id="no-customers" data-i18n="noCustomers" hidden></p>
  </section>
  <section class="pane chat-pane">
    <header class="bar chat-bar">
      <button type="button" class="back" id="back" data-i18n-aria="back">‹</button>
      <div class="avatar" id="chat-avatar" hidden></div>
      <div class="bar-text">
        <h2 id="chat-name"></h2>
        <p class="sub" id="chat-id"></p>
      </div>
    </header>
    <p class="banner" id="banner" role="alert" hidden></p>
    <div class="messages" id="messages" aria-live="polite"></div>
    <p class="empty chat-empty" id="chat-empty" data-i18n="pickCustomer"></p>
    <div class="kinds" id="kinds" data-testid="sim-kinds" hidden></div>
    <form class="compose" id="compose" hidden>
      <textarea id="compose-text" rows="1" data-testid="sim-compose" data-i18n-aria="send"></textarea>
      <button type="submit" class="send" data-testid="sim-send" data-i18n-aria="send">➤</button>
    </form>
  </section>
</div>
</body>
</html>
`;

const CSS = `
*, *::before, *::after { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body {
  font: 15px/1.4 system-ui, -apple-system, "Segoe UI", "Hiragino Sans", "Noto Sans JP", sans-serif;
  color: #111b21; background: #d1d7db;
}
[hidden] { display: none !important; }
button { font: inherit; cursor: pointer; }
h1, h2 { margin: 0; font-weight: 600; }
h1 { font-size: 1.1rem; }
h2 { font-size: 1rem; }

.app {
  display: grid; grid-template-columns: minmax(280px, 360px) 1fr;
  height: 100dvh; max-width: 1200px; margin: 0 auto; background: #fff;
  box-shadow: 0 1px 8px rgba(0, 0, 0, .15);
}
.pane { display: flex; flex-direction: column; min-height: 0; min-width: 0; }
.list-pane { border-right: 1px solid #e9edef; overflow-y: auto; }

.bar {
  display: flex; align-items: center; gap: .6rem; padding: .7rem .9rem;
  background: #008069; color: #fff; min-height: 3.6rem;
}
.bar-text { flex: 1; min-width: 0; }
.bar .sub { margin: .1rem 0 0; font-size: .8rem; opacity: .85; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.list-pane .bar .sub { white-space: normal; }
.list-pane > .bar { position: sticky; top: 0; z-index: 1; }
.lang { border: 1px solid rgba(255, 255, 255, .6); background: transparent; color: #fff; border-radius: 1rem; padding: .2rem .7rem; font-size: .85rem; }

.new-customer { display: grid; gap: .5rem; padding: .9rem; border-bottom: 1px solid #e9edef; background: #f7f8fa; }
.new-customer label { display: grid; gap: .2rem; font-size: .8rem; color: #54656f; }
.new-customer input {
  font: inherit; font-size: 16px; padding: .45rem .6rem; border: 1px solid #d1d7db; border-radius: .5rem; background: #fff; color: #111b21;
}
.new-customer input:focus, .compose textarea:focus { outline: 2px solid #00a884; outline-offset: 0; border-color: transparent; }
.primary { background: #00a884; color: #fff; border: 0; border-radius: 1.2rem; padding: .5rem 1rem; font-weight: 600; }
.primary:disabled { opacity: .6; cursor: default; }
.form-error { margin: 0; color: #c0392b; font-size: .85rem; }

.list-title { padding: .8rem .9rem .3rem; color: #008069; font-size: .85rem; text-transform: uppercase; letter-spacing: .03em; }
.customers { list-style: none; margin: 0; padding: 0; }
.customer {
  display: flex; align-items: center; gap: .7rem; width: 100%; padding: .6rem .9rem; border: 0; border-bottom: 1px solid #f0f2f5;
  background: #fff; text-align: left; color: inherit;
}
.customer:hover { background: #f5f6f6; }
.customer[aria-current="true"] { background: #f0f2f5; }
.customer-text { display: grid; min-width: 0; }
.customer-name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.customer-sub { font-size: .8rem; color: #667781; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.avatar {
  flex: none; display: grid; place-items: center; width: 2.4rem; height: 2.4rem; border-radius: 50%;
  background: #dfe5e7; color: #54656f; font-weight: 600;
}
.chat-bar .avatar { background: rgba(255, 255, 255, .25); color: #fff; }
.empty { padding: 1rem .9rem; color: #667781; font-size: .9rem; }

.chat-pane { background: #efeae2; }
.back { display: none; border: 0; background: transparent; color: #fff; font-size: 1.8rem; line-height: 1; padding: 0 .3rem; }
.banner { margin: 0; padding: .5rem .9rem; background: #fff3cd; color: #664d03; font-size: .85rem; }
.messages { flex: 1; overflow-y: auto; padding: .8rem 5%; display: flex; flex-direction: column; gap: .3rem; }
.chat-empty { flex: 1; text-align: center; padding-top: 30%; }
.chat-start { align-self: center; background: #fff; border-radius: .5rem; padding: .3rem .8rem; font-size: .85rem; color: #54656f; }

.msg { display: flex; }
/* On the customer's phone, what the customer wrote is theirs (right); the business's replies come in (left). */
.msg-in { justify-content: flex-end; }
.msg-out { justify-content: flex-start; }
.bubble {
  max-width: min(75%, 34rem); padding: .35rem .55rem .25rem; border-radius: .5rem;
  box-shadow: 0 1px .5px rgba(11, 20, 26, .13); background: #fff; overflow-wrap: anywhere;
}
.msg-in .bubble { background: #d9fdd3; }
.text { white-space: pre-wrap; }
.tpl { font-size: .75rem; color: #008069; font-weight: 600; margin-bottom: .15rem; }
.tpl-header { font-weight: 700; margin-bottom: .15rem; }
.meta { display: flex; justify-content: flex-end; gap: .25rem; font-size: .7rem; color: #667781; margin-top: .1rem; }
.ticks { letter-spacing: -.2em; padding-right: .2em; }
.ticks-read { color: #53bdeb; }
.ticks-failed { color: #c0392b; letter-spacing: 0; }
.note { font-size: .75rem; color: #c0392b; }
.kinds { display: flex; flex-wrap: wrap; gap: .3rem; padding: .35rem .7rem 0; background: #f0f2f5; }
.kinds button, .choice { border: 1px solid #00a884; background: #fff; color: #008069; border-radius: 999px; padding: .15rem .6rem; font-size: .8rem; }
.kind-line { font-size: .8rem; color: #54656f; margin-bottom: .15rem; }
.choices { display: flex; flex-wrap: wrap; gap: .25rem; margin-top: .3rem; }
.react { border: none; background: none; font-size: .85rem; opacity: .55; padding: 0 .2rem; }
.react:hover { opacity: 1; }
.bubble { position: relative; }
.reaction { position: absolute; bottom: -.7rem; right: .4rem; background: #fff; border-radius: 999px; padding: 0 .25rem; font-size: .8rem; box-shadow: 0 1px 2px rgba(11, 20, 26, .2); }
.msg:has(.reaction) { margin-bottom: .6rem; }
.media { display: block; max-width: 100%; margin: .15rem 0; border-radius: .35rem; }
img.media { max-height: 240px; }
img.media-sticker { max-width: 120px; background: transparent; }
audio.media { width: min(260px, 100%); }
.media-file { display: block; margin: .15rem 0; color: #008069; }
.quote { border-left: 3px solid #06cf9c; background: rgba(11, 20, 26, .05); border-radius: .3rem; padding: .2rem .45rem; margin-bottom: .2rem; font-size: .8rem; color: #54656f; white-space: pre-wrap; }

.compose { display: flex; gap: .5rem; align-items: flex-end; padding: .5rem .7rem; background: #f0f2f5; }
.compose textarea {
  flex: 1; resize: none; font: inherit; font-size: 16px; padding: .55rem .8rem; border: 0; border-radius: 1.2rem;
  max-height: 140px; background: #fff; color: #111b21;
}
.send { flex: none; width: 2.6rem; height: 2.6rem; border: 0; border-radius: 50%; background: #00a884; color: #fff; font-size: 1.1rem; }

/* Phone-sized screens: one pane at a time, like the WhatsApp app. */
@media (max-width: 720px) {
  .app { grid-template-columns: 1fr; box-shadow: none; }
  .app[data-view="list"] .chat-pane, .app[data-view="chat"] .list-pane { display: none; }
  .back { display: block; }
  .messages { padding: .6rem .5rem; }
  .bubble { max-width: 85%; }
  /* The kind buttons: one row that scrolls sideways, so the chat keeps the screen. */
  .kinds { flex-wrap: nowrap; overflow-x: auto; padding-bottom: .3rem; }
  .kinds button { flex: none; }
}
`;

function asset(body: string, contentType: string) {
  return new Response(body, {
    headers: { "Content-Type": contentType, "Cache-Control": "no-store", "Content-Security-Policy": PAGE_CSP },
  });
}

export const simulatorPageRoutes = new Hono<AppEnv>();

simulatorPageRoutes.get("/", () => asset(HTML, "text/html; charset=utf-8"));
simulatorPageRoutes.get("/assets/simulator.js", () => asset(script, "text/javascript; charset=utf-8"));
simulatorPageRoutes.get("/assets/simulator.css", () => asset(CSS, "text/css; charset=utf-8"));
