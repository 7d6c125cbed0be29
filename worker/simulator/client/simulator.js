// The simulator page's script (served as /simulator/assets/simulator.js; no build step, no inline
// script, CSP 'self'). You play customers: create them, pick one, write as them, and watch what the
// business sends back with its sent → delivered → read ticks.
//
// Live updates by polling (every POLL_MS) rather than a WebSocket: polling is what tells the
// simulator the chat is open (each poll with ?open=1 while the tab is visible keeps a short lease),
// which is exactly when Meta would send "read" — a socket would need a second signal for that.
//
// Customer content is text: it only ever goes through textContent, never through an HTML parser.

const POLL_MS = 1000;
const CUSTOMERS_POLL_MS = 3000;
const LANG_KEY = "chorus.simulator.lang";

const MESSAGES = {
  en: {
    pageTitle: "WhatsApp simulator · Chorus",
    title: "WhatsApp simulator",
    business: "Business number {number} · you play the customers",
    switchLanguage: "日本語",
    switchLanguageLabel: "Switch to Japanese",
    newCustomer: "New customer",
    phoneLabel: "Phone number",
    phonePlaceholder: "e.g. 15551234567",
    usernameLabel: "…or a username only (no phone number)",
    usernamePlaceholder: "e.g. sheena",
    nameLabel: "Profile name (optional)",
    namePlaceholder: "e.g. Sheena Nelson",
    create: "Add customer",
    creating: "Adding…",
    customers: "Customers",
    noCustomers: "No customers yet. Add one above.",
    pickCustomer: "Pick a customer to write as them.",
    noMessages: "No messages yet. Say hello!",
    composePlaceholder: "Message as {name}",
    send: "Send",
    back: "Back to customers",
    usernameOnly: "username only",
    userId: "User id {id}",
    template: "Template: {name}",
    statusAccepted: "Accepted by WhatsApp",
    statusSent: "Sent",
    statusDelivered: "Delivered",
    statusRead: "Read",
    deliveryPending: "Sending to Chorus…",
    deliveryAccepted: "Chorus received it",
    deliveryRetrying: "Chorus did not take it ({code}); retrying",
    deliveryRefused: "Chorus did not take it ({code})",
    deliveryUnreachable: "unreachable",
    readByBusiness: "Read by the business",
    errorPhone: "Enter the phone number with its country code: 8 to 15 digits, e.g. 15551234567.",
    errorUsername: "A username has 3 to 35 letters, digits, periods or underscores, with at least one letter.",
    errorNeedOne: "Enter a phone number, or a username for a customer without one.",
    errorExistsPhone: "A customer with this phone number already exists.",
    errorExistsUsername: "A customer with this username already exists.",
    errorRefused: "The simulator refused: {message}",
    errorOffline: "Cannot reach the simulator. Is `npm start` running?",
    errorTooLong: "A WhatsApp message has at most 4096 characters.",
    kindPicture: "📷 Picture",
    kindVoice: "🎤 Voice note",
    kindDocument: "📄 Document",
    kindSticker: "🙂 Sticker",
    kindLocation: "📍 Location",
    kindContact: "👤 Contact",
    kindOrder: "🛒 Order",
    kindFromAd: "📣 Send as from an ad",
    kindFlow: "📝 Form answer",
    kindVideo: "🎬 Video",
    kindProduct: "🛍 Ask about a product",
    kindForwarded: "↪ Forwarded",
    kindFrequentlyForwarded: "↪↪ Forwarded many times",
    kindChangedNumber: "☎ Change number",
    kindUnsupported: "📊 Poll (unsupported)",
    kindEcho: "📱 Owner answers from the Business app",
    reactLabel: "React 👍",
    statusPlayed: "Played",
    line_image: "📷 Photo",
    line_video: "🎬 Video",
    line_audio: "🎤 Audio",
    line_document: "📄 Document",
    line_sticker: "🙂 Sticker",
    line_location: "📍 Location",
    line_contacts: "👤 Contact card",
    line_order: "🛒 Order",
    line_reaction: "Reacted",
    line_interactive: "Buttons",
    line_button: "Template button",
    line_reply: "↩ Reply",
    line_referral: "📣 From an ad",
    line_system: "ℹ️ WhatsApp notice",
    line_unsupported: "⚠ WhatsApp does not deliver this kind to the API",
    line_forwarded: "↪ Forwarded",
    line_frequently: "↪↪ Forwarded many times",
    line_product: "🛍 About product {product}",
    line_echo: "📱 Sent from the WhatsApp Business app",
  },
  ja: {
    pageTitle: "WhatsApp シミュレーター · Chorus",
    title: "WhatsApp シミュレーター",
    business: "ビジネス番号 {number} · あなたが顧客を演じます",
    switchLanguage: "English",
    switchLanguageLabel: "英語に切り替える",
    newCustomer: "新しい顧客",
    phoneLabel: "電話番号",
    phonePlaceholder: "例: 819012345678",
    usernameLabel: "…またはユーザー名のみ(電話番号なし)",
    usernamePlaceholder: "例: sheena",
    nameLabel: "プロフィール名(任意)",
    namePlaceholder: "例: 山田 花子",
    create: "顧客を追加",
    creating: "追加中…",
    customers: "顧客",
    noCustomers: "まだ顧客がいません。上のフォームで追加してください。",
    pickCustomer: "顧客を選ぶと、その顧客としてメッセージを書けます。",
    noMessages: "まだメッセージはありません。あいさつしてみましょう。",
    composePlaceholder: "{name}としてメッセージ",
    send: "送信",
    back: "顧客一覧に戻る",
    usernameOnly: "ユーザー名のみ",
    userId: "ユーザーID {id}",
    template: "テンプレート: {name}",
    statusAccepted: "WhatsAppが受け付けました",
    statusSent: "送信済み",
    statusDelivered: "配信済み",
    statusRead: "既読",
    deliveryPending: "Chorusへ送信中…",
    deliveryAccepted: "Chorusが受信しました",
    deliveryRetrying: "Chorusが受け取りませんでした({code})。再送します",
    deliveryRefused: "Chorusが受け取りませんでした({code})",
    deliveryUnreachable: "接続できません",
    readByBusiness: "ビジネスが既読にしました",
    errorPhone: "国番号付きの電話番号を入力してください(8〜15桁。例: 819012345678)。",
    errorUsername: "ユーザー名は英小文字・数字・ピリオド・アンダースコアの3〜35文字で、英字を1文字以上含めてください。",
    errorNeedOne: "電話番号を入力するか、電話番号のない顧客の場合はユーザー名を入力してください。",
    errorExistsPhone: "この電話番号の顧客はすでにいます。",
    errorExistsUsername: "このユーザー名の顧客はすでにいます。",
    errorRefused: "シミュレーターが受け付けませんでした: {message}",
    errorOffline: "シミュレーターに接続できません。`npm start` は実行中ですか?",
    errorTooLong: "WhatsAppのメッセージは4096文字までです。",
    kindPicture: "📷 写真",
    kindVoice: "🎤 ボイスメッセージ",
    kindDocument: "📄 ファイル",
    kindSticker: "🙂 スタンプ",
    kindLocation: "📍 位置情報",
    kindContact: "👤 連絡先",
    kindOrder: "🛒 注文",
    kindFromAd: "📣 広告経由として送信",
    kindFlow: "📝 フォーム回答",
    kindVideo: "🎬 動画",
    kindProduct: "🛍 商品について質問",
    kindForwarded: "↪ 転送",
    kindFrequentlyForwarded: "↪↪ 何度も転送",
    kindChangedNumber: "☎ 電話番号を変更",
    kindUnsupported: "📊 投票(非対応)",
    kindEcho: "📱 オーナーがBusinessアプリから返信",
    reactLabel: "👍 でリアクション",
    statusPlayed: "再生済み",
    line_image: "📷 写真",
    line_video: "🎬 動画",
    line_audio: "🎤 音声",
    line_document: "📄 ファイル",
    line_sticker: "🙂 スタンプ",
    line_location: "📍 位置情報",
    line_contacts: "👤 連絡先",
    line_order: "🛒 注文",
    line_reaction: "リアクション",
    line_interactive: "ボタン",
    line_button: "テンプレートのボタン",
    line_reply: "↩ 返信",
    line_referral: "📣 広告から",
    line_system: "ℹ️ WhatsAppからのお知らせ",
    line_unsupported: "⚠ WhatsAppはこの種類をAPIに届けません",
    line_forwarded: "↪ 転送されたメッセージ",
    line_frequently: "↪↪ 何度も転送されたメッセージ",
    line_product: "🛍 商品 {product} について",
    line_echo: "📱 WhatsApp Businessアプリから送信",
  },
};

/** The other kinds a customer can send (issue 5): POST /simulator/api/customers/:id/send bodies. */
const KIND_ACTIONS = [
  ["kindPicture", () => ({ kind: "media", sample: "picture", caption: composed() || undefined })],
  ["kindVoice", () => ({ kind: "media", sample: "voice" })],
  ["kindDocument", () => ({ kind: "media", sample: "invoice", caption: composed() || undefined })],
  ["kindSticker", () => ({ kind: "media", sample: "sticker" })],
  ["kindLocation", () => ({ kind: "location", latitude: 35.6812, longitude: 139.7671, name: "Tokyo Station", address: "1 Chome Marunouchi, Chiyoda City, Tokyo" })],
  ["kindContact", () => ({ kind: "contacts", name: "Barbara Johnson", phone: "+1 415 555 0123" })],
  ["kindOrder", () => ({ kind: "order", text: composed() || undefined, items: [{ productRetailerId: "tee-m", quantity: 2, price: 20, currency: "USD" }] })],
  ["kindFlow", () => ({ kind: "flow_reply", answers: { date: "2026-12-01", time: "10:30" } })],
  ["kindFromAd", () => ({ kind: "text", text: composed() || "I saw your ad", fromAd: true })],
  ["kindVideo", () => ({ kind: "media", sample: "clip", caption: composed() || undefined })],
  ["kindProduct", () => ({ kind: "product_inquiry", text: composed() || "Is this available in large?", productRetailerId: "tee-l" })],
  ["kindForwarded", () => ({ kind: "forwarded", text: composed() || "Look at this offer" })],
  ["kindFrequentlyForwarded", () => ({ kind: "forwarded", text: composed() || "Share this with everyone!", frequently: true })],
  ["kindChangedNumber", () => ({ kind: "system" })],
  ["kindUnsupported", () => ({ kind: "unsupported", metaType: "poll_creation" })],
  ["kindEcho", () => ({ kind: "echo", text: composed() || "Hi, this is the owner. I'll check and get back to you." })],
];

/** The composer's text, taken (and cleared) for a kind that carries one. */
function composed() {
  const input = /** @type {HTMLTextAreaElement} */ (document.getElementById("compose-text"));
  const text = input.value.trim();
  input.value = "";
  return text.slice(0, 1024);
}

async function sendKind(body) {
  const id = state.selectedId;
  if (!id) return;
  try {
    const { message } = await api("POST", `/customers/${encodeURIComponent(id)}/send`, body);
    if (state.selectedId === id) {
      const messages = [...(state.lastChat?.messages ?? []).filter((m) => m.id !== message.id), message];
      state.lastChat = { ...(state.lastChat ?? {}), messages };
      renderMessages(messages);
    }
    // A changed number is the customer's from now on: the list and the header show it.
    if (body.kind === "system") await refreshCustomers();
    setBanner("");
  } catch (err) {
    setBanner(err instanceof ApiFailure && err.code === "offline" ? err.message : t("errorRefused", { message: err.message }));
  }
}

/** Media kinds whose file the Graph fake holds (Chorus's uploads, the customers' samples). */
const MEDIA_KINDS = new Set(["image", "video", "audio", "document", "sticker"]);

/**
 * The file itself, as the phone shows it: a picture, a player, a download. Served same-origin by
 * /simulator/api/media/:id (the CSP allows 'self' only); a file sent by link is left as its label.
 */
function mediaPreview(m, payload) {
  if (!MEDIA_KINDS.has(m.kind) || !payload) return [];
  const media = m.direction === "out" ? payload : payload[m.kind];
  const id = typeof media?.id === "string" && /^[0-9]{1,20}$/.test(media.id) ? media.id : null;
  if (!id) return [];
  const src = `/simulator/api/media/${encodeURIComponent(id)}`;
  let node;
  if (m.kind === "image" || m.kind === "sticker") {
    node = el("img", m.kind === "sticker" ? "media media-sticker" : "media");
    node.alt = String(media.caption ?? t(`line_${m.kind}`));
    node.src = src;
  } else if (m.kind === "audio" || m.kind === "video") {
    node = el(m.kind, "media");
    node.controls = true;
    node.preload = "metadata";
    node.src = src;
  } else {
    node = el("a", "media-file", `📄 ${String(media.filename ?? t("line_document"))}`);
    node.href = src;
    node.download = String(media.filename ?? "");
  }
  node.dataset.testid = `sim-media-${m.kind}`;
  // A file grows its bubble when it loads: stay at the newest message if the chat was there.
  node.addEventListener(m.kind === "image" || m.kind === "sticker" ? "load" : "loadedmetadata", keepAtBottom, { once: true });
  return [node];
}

function keepAtBottom() {
  const box = $("messages");
  if (box.scrollHeight - box.scrollTop - box.clientHeight < 400) box.scrollTop = box.scrollHeight;
}

function renderKinds() {
  const box = document.getElementById("kinds");
  box.replaceChildren(
    ...KIND_ACTIONS.map(([key, body]) => {
      const button = el("button", "", t(key));
      button.type = "button";
      button.dataset.testid = `sim-kind-${key}`;
      button.addEventListener("click", () => sendKind(body()));
      return button;
    }),
  );
}

/** A short line saying what kind a message is, and (business messages) the choices it offers. */
function kindParts(m) {
  const parts = [];
  let payload = null;
  try {
    payload = m.payload ? JSON.parse(m.payload) : null;
  } catch {
    payload = null;
  }
  const lineKey = `line_${m.kind}`;
  if (m.echo) parts.push(el("div", "kind-line", t("line_echo")));
  if (m.kind !== "text" && m.kind !== "template" && MESSAGES.en[lineKey]) parts.push(el("div", "kind-line", t(lineKey)));
  const context = payload?.context ?? null;
  if (context?.frequently_forwarded) parts.push(el("div", "kind-line", t("line_frequently")));
  else if (context?.forwarded) parts.push(el("div", "kind-line", t("line_forwarded")));
  if (context?.referred_product) {
    parts.push(el("div", "kind-line", t("line_product", { product: String(context.referred_product.product_retailer_id ?? "?") })));
  }
  // A reply: the business's `context.message_id`, or the customer's `context.id` (a product inquiry points at the product message).
  const repliedTo = context?.message_id ?? context?.id ?? null;
  if (repliedTo) {
    const quoted = state.lastChat?.messages?.find((x) => x.id === repliedTo);
    if (!context.referred_product || quoted) parts.push(el("div", "kind-line", t("line_reply")));
    // The quoted message, as the phone shows it above a reply (when this chat holds it).
    if (quoted) {
      const quote = el("div", "quote", quoted.text ?? "");
      quote.dataset.testid = "sim-quote";
      parts.push(quote);
    }
  }
  if (payload?.referral) parts.push(el("div", "kind-line", t("line_referral")));
  const interactive = m.direction === "out" && m.kind === "interactive" ? payload : null;
  if (interactive) {
    const choices = el("div", "choices");
    for (const b of interactive.action?.buttons ?? []) {
      const button = el("button", "choice", String(b.reply?.title ?? ""));
      button.type = "button";
      button.addEventListener("click", () => sendKind({ kind: "button_reply", id: String(b.reply?.id ?? ""), title: String(b.reply?.title ?? "").slice(0, 20), replyTo: m.id }));
      choices.append(button);
    }
    for (const section of interactive.action?.sections ?? []) {
      for (const row of section.rows ?? []) {
        const button = el("button", "choice", String(row.title ?? ""));
        button.type = "button";
        button.addEventListener("click", () => sendKind({ kind: "list_reply", id: String(row.id ?? ""), title: String(row.title ?? "").slice(0, 24), replyTo: m.id }));
        choices.append(button);
      }
    }
    const url = interactive.action?.parameters?.url;
    if (typeof url === "string" && /^https?:\/\//i.test(url)) {
      const link = el("a", "choice", String(interactive.action.parameters.display_text ?? url));
      link.href = url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      choices.append(link);
    }
    if (choices.childElementCount) parts.push(choices);
  }
  // A template's header above its text (issue 5); its footer and buttons go below (templateAfter).
  const header = m.direction === "out" && m.kind === "template" ? payload?.template?.header : null;
  if (header) {
    const line = el("div", "tpl-header", header.format === "TEXT" ? String(header.text ?? "") : `[${String(header.format).toLowerCase()}]`);
    line.dataset.testid = "sim-template-header";
    parts.push(line);
  }
  return parts;
}

/** A template's footer and buttons, under its text; a quick reply sends the customer's tap. */
function templateAfter(m) {
  if (m.direction !== "out" || m.kind !== "template" || !m.payload) return [];
  let template = null;
  try {
    template = JSON.parse(m.payload).template ?? null;
  } catch {
    template = null;
  }
  if (!template) return [];
  const parts = [];
  if (template.footer) parts.push(el("div", "kind-line", String(template.footer)));
  const choices = el("div", "choices");
  for (const b of template.buttons ?? []) {
    if (b.type === "QUICK_REPLY") {
      const button = el("button", "choice", String(b.text ?? ""));
      button.type = "button";
      button.addEventListener("click", () => sendKind({ kind: "template_button", text: String(b.text ?? "").slice(0, 25), replyTo: m.id }));
      choices.append(button);
    } else if (b.type === "URL" && typeof b.url === "string" && /^https?:\/\//i.test(b.url)) {
      const link = el("a", "choice", String(b.text ?? b.url));
      link.href = b.url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      choices.append(link);
    } else {
      choices.append(el("span", "choice", `${String(b.text ?? "")}${b.phone ? ` · ${String(b.phone)}` : ""}`));
    }
  }
  if (choices.childElementCount) parts.push(choices);
  return parts;
}

/** @type {"en" | "ja"} */
let lang = pickLanguage();

function pickLanguage() {
  const saved = localStorage.getItem(LANG_KEY);
  if (saved === "en" || saved === "ja") return saved;
  return (navigator.language || "en").toLowerCase().startsWith("ja") ? "ja" : "en";
}

/** A UI string in the current language, with {placeholders} filled in. */
function t(key, vars = {}) {
  const template = MESSAGES[lang][key] ?? MESSAGES.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const state = {
  business: null,
  customers: [],
  selectedId: null,
  /** wamid → element, for the open chat */
  rendered: new Map(),
  lastChat: null,
};

// ---- API ---------------------------------------------------------------------------------------

class ApiFailure extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

async function api(method, path, body) {
  let res;
  try {
    res = await fetch(`/simulator/api${path}`, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiFailure(0, "offline", t("errorOffline"));
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const err = data && data.error ? data.error : {};
    throw new ApiFailure(res.status, err.code || "error", err.message || res.statusText, err.field);
  }
  return data;
}

// ---- formatting --------------------------------------------------------------------------------

function formatPhone(digits) {
  if (!digits) return "";
  if (digits.length === 11 && digits.startsWith("1")) {
    return `+1 ${digits.slice(1, 4)}-${digits.slice(4, 7)}-${digits.slice(7)}`;
  }
  return `+${digits}`;
}

function formatTime(ms) {
  return new Intl.DateTimeFormat(lang === "ja" ? "ja-JP" : "en-US", { hour: "2-digit", minute: "2-digit" }).format(new Date(ms));
}

function customerSubtitle(c) {
  if (c.waId && c.username) return `${formatPhone(c.waId)} · @${c.username}`;
  if (c.waId) return formatPhone(c.waId);
  return `@${c.username} · ${t("usernameOnly")}`;
}

function initials(name) {
  const letters = [...name.trim()].filter((ch) => /\p{L}|\p{N}/u.test(ch));
  return (letters[0] ?? "?").toUpperCase();
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// ---- static text -------------------------------------------------------------------------------

function applyLanguage() {
  document.documentElement.lang = lang;
  document.title = t("pageTitle");
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) {
    /** @type {HTMLInputElement} */ (node).placeholder = t(node.dataset.i18nPlaceholder);
  }
  for (const node of document.querySelectorAll("[data-i18n-aria]")) node.setAttribute("aria-label", t(node.dataset.i18nAria));
  const sw = $("lang-switch");
  sw.textContent = t("switchLanguage");
  sw.setAttribute("aria-label", t("switchLanguageLabel"));
  sw.lang = lang === "en" ? "ja" : "en";
  renderBusiness();
  renderCustomers();
  renderChatHeader();
  renderKinds();
  // Re-render the chat's status lines in the new language.
  for (const [, node] of state.rendered) node.dataset.sig = "";
  if (state.lastChat) renderMessages(state.lastChat.messages);
}

function renderBusiness() {
  if (!state.business) return;
  $("business-line").textContent = t("business", { number: formatPhone(state.business.displayPhoneNumber) });
}

// ---- customers ---------------------------------------------------------------------------------

function renderCustomers() {
  const list = $("customers");
  list.replaceChildren();
  for (const c of state.customers) {
    const item = el("li");
    const button = el("button", "customer");
    button.type = "button";
    button.dataset.testid = `sim-customer-${c.waId ?? c.id}`;
    button.dataset.customerId = c.id;
    if (c.id === state.selectedId) button.setAttribute("aria-current", "true");
    button.append(el("span", "avatar", initials(c.name)));
    const text = el("span", "customer-text");
    text.append(el("span", "customer-name", c.name), el("span", "customer-sub", customerSubtitle(c)));
    button.append(text);
    button.addEventListener("click", () => selectCustomer(c.id));
    item.append(button);
    list.append(item);
  }
  $("no-customers").hidden = state.customers.length > 0;
}

async function refreshCustomers() {
  const data = await api("GET", "/customers");
  state.customers = data.customers;
  if (state.selectedId && !state.customers.some((c) => c.id === state.selectedId)) selectCustomer(null);
  renderCustomers();
  renderChatHeader();
}

function showFormError(message) {
  const node = $("new-error");
  node.textContent = message;
  node.hidden = !message;
}

async function createCustomer(event) {
  event.preventDefault();
  const phoneRaw = /** @type {HTMLInputElement} */ ($("new-phone")).value.trim();
  const usernameRaw = /** @type {HTMLInputElement} */ ($("new-username")).value.trim();
  const nameRaw = /** @type {HTMLInputElement} */ ($("new-name")).value.trim();
  const phone = phoneRaw.replace(/[\s().-]/g, "").replace(/^\+/, "");
  const username = usernameRaw.replace(/^@/, "").toLowerCase();

  // The server checks the same rules; checking here first gives the message in the page's language.
  if (!phone && !username) return showFormError(t("errorNeedOne"));
  if (phone && !/^[1-9][0-9]{7,14}$/.test(phone)) return showFormError(t("errorPhone"));
  if (username && !/^(?=.*[a-z])[a-z0-9._]{3,35}$/.test(username)) return showFormError(t("errorUsername"));
  showFormError("");

  const submit = /** @type {HTMLButtonElement} */ (document.querySelector("[data-testid=sim-create-customer]"));
  submit.disabled = true;
  submit.textContent = t("creating");
  try {
    const body = {};
    if (phone) body.phone = phone;
    if (username) body.username = username;
    if (nameRaw) body.name = nameRaw;
    const { customer } = await api("POST", "/customers", body);
    /** @type {HTMLFormElement} */ ($("new-customer")).reset();
    await refreshCustomers();
    selectCustomer(customer.id);
  } catch (err) {
    if (err instanceof ApiFailure && err.code === "customer_exists") {
      showFormError(err.field === "username" ? t("errorExistsUsername") : t("errorExistsPhone"));
    } else {
      showFormError(err instanceof ApiFailure && err.code === "offline" ? err.message : t("errorRefused", { message: err.message }));
    }
  } finally {
    submit.disabled = false;
    submit.textContent = t("create");
  }
}

// ---- the chat ----------------------------------------------------------------------------------

function selectedCustomer() {
  return state.customers.find((c) => c.id === state.selectedId) ?? null;
}

function selectCustomer(id) {
  state.selectedId = id;
  state.rendered.clear();
  state.lastChat = null;
  $("messages").replaceChildren();
  $("app").dataset.view = id ? "chat" : "list";
  history.replaceState(null, "", id ? `#customer=${encodeURIComponent(id)}` : location.pathname);
  renderCustomers();
  renderChatHeader();
  if (id) {
    pollChat();
    /** @type {HTMLTextAreaElement} */ ($("compose-text")).focus();
  }
}

function renderChatHeader() {
  const c = selectedCustomer();
  const hasChat = Boolean(c);
  $("chat-empty").hidden = hasChat;
  $("compose").hidden = !hasChat;
  $("kinds").hidden = !hasChat;
  $("chat-name").textContent = c ? c.name : "";
  $("chat-id").textContent = c ? `${customerSubtitle(c)} · ${t("userId", { id: c.userId })}` : "";
  $("chat-avatar").textContent = c ? initials(c.name) : "";
  $("chat-avatar").hidden = !hasChat;
  /** @type {HTMLTextAreaElement} */ ($("compose-text")).placeholder = c ? t("composePlaceholder", { name: c.name }) : "";
}

function statusLabel(status) {
  return { accepted: t("statusAccepted"), sent: t("statusSent"), delivered: t("statusDelivered"), read: t("statusRead"), played: t("statusPlayed") }[status] ?? status;
}

function deliveryNote(m) {
  const code = m.webhookStatus === null ? t("deliveryUnreachable") : `HTTP ${m.webhookStatus}`;
  switch (m.status) {
    case "pending":
      return t("deliveryPending");
    case "accepted":
      return m.readByBusiness ? t("readByBusiness") : t("deliveryAccepted");
    case "retrying":
      return t("deliveryRetrying", { code });
    default:
      return t("deliveryRefused", { code });
  }
}

/** One message bubble; created once, then only its status parts change. */
function messageNode(m) {
  const node = el("div", `msg msg-${m.direction}`);
  node.dataset.testid = "sim-message";
  node.dataset.direction = m.direction;
  node.dataset.id = m.id;
  const bubble = el("div", "bubble");
  if (m.kind === "template") bubble.append(el("div", "tpl", t("template", { name: m.templateName ?? "" })));
  let payload = null;
  try {
    payload = m.payload ? JSON.parse(m.payload) : null;
  } catch {
    payload = null;
  }
  bubble.append(...kindParts(m));
  const preview = mediaPreview(m, payload);
  bubble.append(...preview);
  // Under a shown file only its caption is text (the phone shows no file name under a picture).
  const caption = m.direction === "out" ? payload?.caption : payload?.[m.kind]?.caption;
  const text = preview.length ? (typeof caption === "string" ? caption : "") : m.text;
  if (text || !preview.length) bubble.append(el("div", "text", text));
  bubble.append(...templateAfter(m));
  const meta = el("div", "meta");
  const react = el("button", "react", "👍");
  react.type = "button";
  react.title = t("reactLabel");
  react.dataset.testid = "sim-react";
  react.addEventListener("click", () => sendKind({ kind: "reaction", messageId: m.id, emoji: "👍" }));
  meta.append(el("span", "time", formatTime(m.createdAt)), el("span", "ticks"), react);
  bubble.append(meta, el("div", "note"));
  node.append(bubble);
  return node;
}

function updateMessageNode(node, m) {
  const sig = `${m.status}|${m.readByBusiness}|${m.webhookStatus}|${lang}`;
  if (node.dataset.sig === sig) return;
  node.dataset.sig = sig;
  const ticks = /** @type {HTMLElement} */ (node.querySelector(".ticks"));
  const note = /** @type {HTMLElement} */ (node.querySelector(".note"));
  const tpl = node.querySelector(".tpl");
  if (tpl) tpl.textContent = t("template", { name: m.templateName ?? "" });
  if (m.direction === "out" && !m.echo) {
    // What the business sent: the status Meta reported back to Chorus.
    node.dataset.status = m.status;
    ticks.textContent = m.status === "accepted" ? "🕓" : m.status === "sent" ? "✓" : "✓✓";
    // A played voice note keeps its blue ticks (the phone turns its microphone blue).
    ticks.className = `ticks ticks-${m.status === "played" ? "read" : m.status}`;
    ticks.title = statusLabel(m.status);
    ticks.setAttribute("aria-label", statusLabel(m.status));
    note.textContent = "";
    note.hidden = true;
  } else {
    // What the customer wrote (or the owner's echo): did the webhook reach Chorus, and did the business read it?
    node.dataset.delivery = m.status;
    const ok = m.status === "accepted";
    ticks.textContent = m.status === "pending" ? "🕓" : ok ? (m.readByBusiness ? "✓✓" : "✓") : "⚠";
    ticks.className = `ticks ${ok ? (m.readByBusiness ? "ticks-read" : "ticks-sent") : m.status === "pending" ? "" : "ticks-failed"}`;
    const text = deliveryNote(m);
    ticks.title = text;
    ticks.setAttribute("aria-label", text);
    note.textContent = ok || m.status === "pending" ? "" : text;
    note.hidden = !note.textContent;
  }
}

/** The business's latest reaction per message id (a phone shows it on the message, not as a bubble). */
function businessReactions(messages) {
  const reactions = new Map();
  for (const m of messages) {
    if (m.direction !== "out" || m.kind !== "reaction") continue;
    try {
      const reaction = JSON.parse(m.payload ?? "null");
      if (reaction?.message_id) reactions.set(reaction.message_id, String(reaction.emoji ?? ""));
    } catch {
      // not a payload this page knows: nothing to show
    }
  }
  return reactions;
}

function showReaction(node, emoji) {
  let badge = /** @type {HTMLElement | null} */ (node.querySelector(".reaction"));
  if (!emoji) {
    badge?.remove();
    return;
  }
  if (!badge) {
    badge = el("span", "reaction");
    badge.dataset.testid = "sim-reaction";
    node.querySelector(".bubble")?.append(badge);
  }
  badge.textContent = emoji;
}

function renderMessages(allMessages) {
  const box = $("messages");
  const reactions = businessReactions(allMessages);
  const messages = allMessages.filter((m) => !(m.direction === "out" && m.kind === "reaction"));
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const firstRender = state.rendered.size === 0;
  let appended = false;
  for (const m of messages) {
    let node = state.rendered.get(m.id);
    if (!node) {
      node = messageNode(m);
      state.rendered.set(m.id, node);
      box.append(node);
      appended = true;
    }
    updateMessageNode(node, m);
  }
  for (const [id, node] of state.rendered) showReaction(node, reactions.get(id) ?? "");
  const empty = box.querySelector(".chat-start");
  if (messages.length === 0 && !empty) box.append(el("p", "chat-start", t("noMessages")));
  else if (messages.length > 0 && empty) empty.remove();
  else if (empty) empty.textContent = t("noMessages");
  // Follow new messages unless the user scrolled up to read older ones.
  if (appended && (nearBottom || firstRender)) box.scrollTop = box.scrollHeight;
}

let chatPolling = false;

async function pollChat() {
  const id = state.selectedId;
  if (!id || chatPolling) return;
  chatPolling = true;
  try {
    // Only a visible chat counts as open: a hidden tab must not produce read receipts.
    const open = document.visibilityState === "visible" ? "1" : "0";
    const chat = await api("GET", `/customers/${encodeURIComponent(id)}/messages?open=${open}`);
    if (state.selectedId !== id) return;
    state.lastChat = chat;
    renderMessages(chat.messages);
    setBanner("");
  } catch (err) {
    setBanner(err instanceof ApiFailure && err.code === "offline" ? err.message : t("errorRefused", { message: err.message }));
  } finally {
    chatPolling = false;
  }
}

async function send(event) {
  event.preventDefault();
  const input = /** @type {HTMLTextAreaElement} */ ($("compose-text"));
  const text = input.value.trim();
  const id = state.selectedId;
  if (!text || !id) return;
  if (text.length > 4096) return setBanner(t("errorTooLong"));
  input.value = "";
  autosize(input);
  try {
    const { message } = await api("POST", `/customers/${encodeURIComponent(id)}/messages`, { text });
    if (state.selectedId === id) {
      $("messages").scrollTop = $("messages").scrollHeight;
      const messages = [...(state.lastChat?.messages ?? []).filter((m) => m.id !== message.id), message];
      state.lastChat = { ...(state.lastChat ?? {}), messages };
      renderMessages(messages);
    }
    setBanner("");
  } catch (err) {
    input.value = text;
    setBanner(err instanceof ApiFailure && err.code === "offline" ? err.message : t("errorRefused", { message: err.message }));
  }
  input.focus();
}

function setBanner(message) {
  const node = $("banner");
  node.textContent = message;
  node.hidden = !message;
}

function autosize(textarea) {
  textarea.style.height = "auto";
  textarea.style.height = `${Math.min(textarea.scrollHeight, 140)}px`;
}

// ---- start -------------------------------------------------------------------------------------

async function start() {
  $("lang-switch").addEventListener("click", () => {
    lang = lang === "en" ? "ja" : "en";
    localStorage.setItem(LANG_KEY, lang);
    applyLanguage();
  });
  $("new-customer").addEventListener("submit", createCustomer);
  $("compose").addEventListener("submit", send);
  $("back").addEventListener("click", () => selectCustomer(null));
  const textarea = /** @type {HTMLTextAreaElement} */ ($("compose-text"));
  textarea.addEventListener("input", () => autosize(textarea));
  textarea.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter is a new line; not while an input method is composing (Japanese).
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("compose").requestSubmit();
    }
  });
  document.addEventListener("visibilitychange", () => pollChat());
  applyLanguage();

  try {
    state.business = await api("GET", "/business");
    renderBusiness();
    await refreshCustomers();
  } catch (err) {
    setBanner(err.message);
  }
  const wanted = new URLSearchParams(location.hash.slice(1)).get("customer");
  if (wanted && state.customers.some((c) => c.id === wanted)) selectCustomer(wanted);
  else selectCustomer(null);

  setInterval(pollChat, POLL_MS);
  setInterval(() => refreshCustomers().catch(() => {}), CUSTOMERS_POLL_MS);
}

start();
