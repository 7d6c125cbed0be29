/**
 * Message templates created in Chorus (issue 5): the request shape, Meta's rules checked before a
 * template is submitted, the components Meta receives, and a preview of what the customer sees.
 * Shared by the worker (routes/templates.ts, the simulator) and the web app (Settings → Templates,
 * the composer's picker), so the browser checks exactly what the server checks.
 *
 * Meta's references: templates/components (header 60, body 1024, footer 60, one header variable,
 * examples for every variable), template buttons (10 in all: quick replies ≤ 10, URL ≤ 2 with one
 * variable at the end, phone ≤ 1, text ≤ 25, quick replies grouped apart from the others), template
 * names (lowercase letters, digits and underscores, ≤ 512), parameters (not at the start or end of
 * the body, never next to each other, numbered 1, 2, 3… in order).
 */
import * as v from "valibot";

export const TEMPLATE_CATEGORIES = ["MARKETING", "UTILITY", "AUTHENTICATION"] as const;
export type TemplateCategory = (typeof TEMPLATE_CATEGORIES)[number];
export const MEDIA_HEADER_FORMATS = ["IMAGE", "VIDEO", "DOCUMENT"] as const;
export type MediaHeaderFormat = (typeof MEDIA_HEADER_FORMATS)[number];

/** Meta's limits, in characters (counts where said). */
export const TEMPLATE_LIMITS = {
  name: 512,
  body: 1024,
  headerText: 60,
  footer: 60,
  buttonText: 25,
  buttons: 10,
  quickReplies: 10,
  urlButtons: 2,
  phoneButtons: 1,
  url: 2000,
  phone: 20,
  example: 1024,
  codeExpirationMinutes: 90,
} as const;

// The schema only bounds sizes generously (so a huge body answers 400); Meta's own limits are rules
// below, answered 422 with the field named.
const Str = (max: number) => v.pipe(v.string(), v.maxLength(max));

export const TemplateHeaderInput = v.variant("format", [
  v.object({ format: v.literal("TEXT"), text: Str(1000), example: v.optional(Str(2000)) }),
  v.object({
    format: v.picklist(MEDIA_HEADER_FORMATS),
    /** The handle Meta's Resumable Upload API answered (POST /api/templates/media). */
    handle: Str(4000),
    filename: v.optional(Str(240)),
  }),
]);

export const TemplateButtonInput = v.variant("type", [
  v.object({ type: v.literal("QUICK_REPLY"), text: Str(200) }),
  v.object({
    type: v.literal("URL"),
    text: Str(200),
    url: Str(4000),
    /** The value of the URL's {{1}} for Meta's reviewers (only when the URL ends with {{1}}). */
    example: v.optional(Str(2000)),
  }),
  v.object({ type: v.literal("PHONE_NUMBER"), text: Str(200), phoneNumber: Str(100) }),
]);

export const CreateTemplateBody = v.object({
  name: Str(1000),
  language: Str(20),
  category: v.picklist(TEMPLATE_CATEGORIES),
  /** Which WhatsApp Business Account gets it; optional when Chorus knows only one. */
  wabaId: v.optional(Str(64)),
  header: v.optional(v.nullable(TemplateHeaderInput)),
  /** Not used for AUTHENTICATION (Meta writes that body itself). */
  body: v.optional(v.object({ text: Str(4000), examples: v.optional(v.array(Str(2000)), []) })),
  footer: v.optional(v.nullable(Str(1000))),
  buttons: v.optional(v.pipe(v.array(TemplateButtonInput), v.maxLength(30)), []),
  /** AUTHENTICATION only: Meta's preset body, an optional expiry line, and the copy-code button. */
  authentication: v.optional(
    v.object({
      securityRecommendation: v.optional(v.boolean(), true),
      codeExpirationMinutes: v.optional(v.nullable(v.number())),
      buttonText: v.optional(Str(200)),
    }),
  ),
});
export type CreateTemplateBody = v.InferInput<typeof CreateTemplateBody>;
export type CreateTemplateInput = v.InferOutput<typeof CreateTemplateBody>;

/** A template as the settings page and the composer see it (every status, with its components). */
export const TemplateView = v.object({
  id: v.string(),
  name: v.string(),
  language: v.string(),
  category: v.string(),
  /** APPROVED, PENDING, REJECTED, PAUSED, DISABLED, … as Meta says. */
  status: v.string(),
  /** Why Meta rejected, paused or disabled it. */
  statusReason: v.nullable(v.string()),
  body: v.string(),
  /** Meta's components (HEADER, BODY, FOOTER, BUTTONS), null for a template known only by its body. */
  components: v.nullable(v.array(v.looseObject({ type: v.string() }))),
  wabaId: v.nullable(v.string()),
  metaId: v.nullable(v.string()),
  updatedAt: v.number(),
});
export type TemplateView = v.InferOutput<typeof TemplateView>;
export const TemplateViewList = v.object({ templates: v.array(TemplateView) });
export const CreatedTemplate = v.object({ template: TemplateView });
export const TemplateMediaResponse = v.object({ handle: v.string(), format: v.picklist(MEDIA_HEADER_FORMATS) });

// ---- rules ------------------------------------------------------------------------------------

export type TemplateRuleCode =
  | "name_required"
  | "name_too_long"
  | "name_format"
  | "language_format"
  | "body_required"
  | "body_too_long"
  | "variable_format"
  | "variables_not_sequential"
  | "variable_at_start"
  | "variable_at_end"
  | "variables_adjacent"
  | "example_missing"
  | "examples_extra"
  | "header_text_required"
  | "header_text_too_long"
  | "header_newline"
  | "header_variables"
  | "header_example_missing"
  | "header_handle_missing"
  | "footer_too_long"
  | "footer_variables"
  | "too_many_buttons"
  | "too_many_quick_replies"
  | "too_many_url_buttons"
  | "too_many_phone_buttons"
  | "buttons_not_grouped"
  | "button_text_required"
  | "button_text_too_long"
  | "button_text_duplicate"
  | "url_invalid"
  | "url_variable"
  | "url_example_missing"
  | "phone_invalid"
  | "authentication_no_header"
  | "authentication_no_buttons"
  | "code_expiration_range";

export interface TemplateProblem {
  /** The request field, e.g. "body.text", "buttons.2.url". */
  field: string;
  code: TemplateRuleCode;
  /** Numbers the sentence needs (a limit, a variable's number). */
  values?: Record<string, number>;
}

/** English sentences for the API's 422 (the web app has its own, in English and Japanese). */
const SENTENCES: Record<TemplateRuleCode, (values: Record<string, number>) => string> = {
  name_required: () => "Give the template a name.",
  name_too_long: (x) => `The name can have at most ${x.max} characters.`,
  name_format: () => "The name may only use lowercase letters a–z, digits and underscores.",
  language_format: () => "The language must be one of Meta's codes, like en, en_US or pt_BR.",
  body_required: () => "The body cannot be empty.",
  body_too_long: (x) => `The body can have at most ${x.max} characters.`,
  variable_format: () => "Variables are written {{1}}, {{2}}, … (numbers in double braces).",
  variables_not_sequential: (x) => `Variables must be numbered 1, 2, 3… in order; {{${x.n}}} is out of sequence.`,
  variable_at_start: () => "The body cannot start with a variable.",
  variable_at_end: () => "The body cannot end with a variable.",
  variables_adjacent: () => "Two variables cannot be next to each other: put words between them.",
  example_missing: (x) => `Give an example for {{${x.n}}}.`,
  examples_extra: (x) => `There are more examples than variables (${x.count} variables).`,
  header_text_required: () => "A text header cannot be empty.",
  header_text_too_long: (x) => `The header can have at most ${x.max} characters.`,
  header_newline: () => "The header must be on one line.",
  header_variables: () => "The header can have only one variable, {{1}}.",
  header_example_missing: () => "Give an example for the header's {{1}}.",
  header_handle_missing: () => "Upload the header's image, video or document first.",
  footer_too_long: (x) => `The footer can have at most ${x.max} characters.`,
  footer_variables: () => "The footer cannot have variables.",
  too_many_buttons: (x) => `A template can have at most ${x.max} buttons.`,
  too_many_quick_replies: (x) => `A template can have at most ${x.max} quick-reply buttons.`,
  too_many_url_buttons: (x) => `A template can have at most ${x.max} link buttons.`,
  too_many_phone_buttons: (x) => `A template can have at most ${x.max} phone button.`,
  buttons_not_grouped: () => "Put the quick-reply buttons together, before or after the link and phone buttons.",
  button_text_required: () => "Every button needs a label.",
  button_text_too_long: (x) => `A button label can have at most ${x.max} characters.`,
  button_text_duplicate: () => "Two buttons cannot have the same label.",
  url_invalid: (x) => `The link must be a full http(s) address of at most ${x.max} characters.`,
  url_variable: () => "A link can have one variable, {{1}}, and only at its very end.",
  url_example_missing: () => "Give an example for the link's {{1}}.",
  phone_invalid: () => "The phone number must be in international format, e.g. +15551234567 (at most 20 characters).",
  authentication_no_header: () => "Authentication templates have no header: Meta writes their text.",
  authentication_no_buttons: () => "Authentication templates have only Meta's copy-code button.",
  code_expiration_range: (x) => `The code expiry must be between 1 and ${x.max} minutes.`,
};

export function problemSentence(problem: TemplateProblem): string {
  return SENTENCES[problem.code](problem.values ?? {});
}

const PLACEHOLDER = /\{\{\s*(\d+)\s*\}\}/g;
/** Anything in double braces, to catch {{name}}, {{ }} or a stray "{{". */
const BRACES = /\{\{([^{}]*)\}\}/g;

/** The numbers of the {{n}} placeholders, in order of appearance. */
export function placeholderNumbers(text: string): number[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => Number(m[1]));
}

/** How many distinct variables a text has (its highest {{n}} once the rules hold). */
export function variableCount(text: string): number {
  return placeholderNumbers(text).reduce((max, n) => Math.max(max, n), 0);
}

function malformedBraces(text: string): boolean {
  for (const match of text.matchAll(BRACES)) if (!/^\s*\d+\s*$/.test(match[1]!)) return true;
  // Braces left after removing the well-formed ones: "{{1}", "{{", "}}".
  return /\{\{|\}\}/.test(text.replace(BRACES, ""));
}

/** Variables are 1, 2, 3… : the first time each number appears, it is the next one. */
function outOfSequence(text: string): number | null {
  let next = 1;
  for (const n of placeholderNumbers(text)) {
    if (n === next) next++;
    else if (n > next || n < 1) return n;
  }
  return null;
}

function checkVariables(text: string, field: string, problems: TemplateProblem[]): boolean {
  if (malformedBraces(text)) {
    problems.push({ field, code: "variable_format" });
    return false;
  }
  const wrong = outOfSequence(text);
  if (wrong !== null) {
    problems.push({ field, code: "variables_not_sequential", values: { n: wrong } });
    return false;
  }
  return true;
}

const NAME = /^[a-z0-9_]+$/;
const LANGUAGE = /^[a-z]{2,3}(_[A-Za-z]{2,4})?$/;
const PHONE = /^\+?[0-9][0-9 ()-]{5,19}$/;

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "https:" || url.protocol === "http:") && url.hostname.includes(".");
  } catch {
    return false;
  }
}

/**
 * Every rule Meta would refuse the template for, in field order (empty when it can be submitted).
 * The API answers the first one; the form shows each beside its field.
 */
export function templateProblems(input: CreateTemplateBody): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const L = TEMPLATE_LIMITS;
  const name = input.name ?? "";
  if (!name) problems.push({ field: "name", code: "name_required" });
  else if (name.length > L.name) problems.push({ field: "name", code: "name_too_long", values: { max: L.name } });
  else if (!NAME.test(name)) problems.push({ field: "name", code: "name_format" });
  if (!LANGUAGE.test(input.language ?? "")) problems.push({ field: "language", code: "language_format" });

  if (input.category === "AUTHENTICATION") {
    if (input.header) problems.push({ field: "header", code: "authentication_no_header" });
    if ((input.buttons ?? []).length) problems.push({ field: "buttons", code: "authentication_no_buttons" });
    const auth = input.authentication ?? {};
    const minutes = auth.codeExpirationMinutes;
    if (minutes !== undefined && minutes !== null && !(Number.isInteger(minutes) && minutes >= 1 && minutes <= L.codeExpirationMinutes)) {
      problems.push({ field: "authentication.codeExpirationMinutes", code: "code_expiration_range", values: { max: L.codeExpirationMinutes } });
    }
    const label = auth.buttonText ?? "";
    if (label.length > L.buttonText) problems.push({ field: "authentication.buttonText", code: "button_text_too_long", values: { max: L.buttonText } });
    return problems;
  }

  const header = input.header ?? null;
  if (header?.format === "TEXT") {
    const text = header.text;
    if (!text.trim()) problems.push({ field: "header.text", code: "header_text_required" });
    else if (text.length > L.headerText) problems.push({ field: "header.text", code: "header_text_too_long", values: { max: L.headerText } });
    else if (/[\r\n]/.test(text)) problems.push({ field: "header.text", code: "header_newline" });
    else if (checkVariables(text, "header.text", problems)) {
      const numbers = placeholderNumbers(text);
      if (numbers.length > 1 || numbers.some((n) => n !== 1)) problems.push({ field: "header.text", code: "header_variables" });
      else if (numbers.length === 1 && !header.example?.trim()) problems.push({ field: "header.example", code: "header_example_missing" });
    }
  } else if (header && !header.handle.trim()) {
    problems.push({ field: "header.handle", code: "header_handle_missing" });
  }

  const body = input.body?.text ?? "";
  if (!body.trim()) problems.push({ field: "body.text", code: "body_required" });
  else if (body.length > L.body) problems.push({ field: "body.text", code: "body_too_long", values: { max: L.body } });
  else if (checkVariables(body, "body.text", problems)) {
    const trimmed = body.trim();
    if (/^\{\{\s*\d+\s*\}\}/.test(trimmed)) problems.push({ field: "body.text", code: "variable_at_start" });
    else if (/\{\{\s*\d+\s*\}\}$/.test(trimmed)) problems.push({ field: "body.text", code: "variable_at_end" });
    else if (/\}\}\s*\{\{/.test(body)) problems.push({ field: "body.text", code: "variables_adjacent" });
    const count = variableCount(body);
    const examples = input.body?.examples ?? [];
    for (let n = 1; n <= count; n++) {
      if (!examples[n - 1]?.trim()) problems.push({ field: `body.examples.${n - 1}`, code: "example_missing", values: { n } });
      else if (examples[n - 1]!.length > L.example) problems.push({ field: `body.examples.${n - 1}`, code: "example_missing", values: { n } });
    }
    if (examples.filter((e) => e.trim()).length > count) problems.push({ field: "body.examples", code: "examples_extra", values: { count } });
  }

  const footer = input.footer ?? "";
  if (footer.length > L.footer) problems.push({ field: "footer", code: "footer_too_long", values: { max: L.footer } });
  else if (/\{\{|\}\}/.test(footer)) problems.push({ field: "footer", code: "footer_variables" });

  const buttons = input.buttons ?? [];
  const count = (type: string) => buttons.filter((b) => b.type === type).length;
  if (buttons.length > L.buttons) problems.push({ field: "buttons", code: "too_many_buttons", values: { max: L.buttons } });
  else if (count("QUICK_REPLY") > L.quickReplies) problems.push({ field: "buttons", code: "too_many_quick_replies", values: { max: L.quickReplies } });
  else if (count("URL") > L.urlButtons) problems.push({ field: "buttons", code: "too_many_url_buttons", values: { max: L.urlButtons } });
  else if (count("PHONE_NUMBER") > L.phoneButtons) problems.push({ field: "buttons", code: "too_many_phone_buttons", values: { max: L.phoneButtons } });
  else {
    // Quick replies form one group and the other buttons another: QR, QR, URL is fine; QR, URL, QR is not.
    const groups = buttons.map((b) => b.type === "QUICK_REPLY").filter((quick, i, all) => i === 0 || quick !== all[i - 1]).length;
    if (groups > 2) problems.push({ field: "buttons", code: "buttons_not_grouped" });
  }
  const labels = new Set<string>();
  buttons.forEach((button, i) => {
    const text = button.text.trim();
    if (!text) problems.push({ field: `buttons.${i}.text`, code: "button_text_required" });
    else if (button.text.length > L.buttonText) problems.push({ field: `buttons.${i}.text`, code: "button_text_too_long", values: { max: L.buttonText } });
    else if (labels.has(text.toLowerCase())) problems.push({ field: `buttons.${i}.text`, code: "button_text_duplicate" });
    labels.add(text.toLowerCase());
    if (button.type === "URL") {
      const numbers = placeholderNumbers(button.url);
      const base = button.url.replace(PLACEHOLDER, "");
      if (malformedBraces(button.url) || numbers.length > 1 || numbers.some((n) => n !== 1) || (numbers.length === 1 && !/\{\{\s*1\s*\}\}$/.test(button.url))) {
        problems.push({ field: `buttons.${i}.url`, code: "url_variable" });
      } else if (button.url.length > L.url || !isHttpUrl(numbers.length ? `${base}x` : base)) {
        problems.push({ field: `buttons.${i}.url`, code: "url_invalid", values: { max: L.url } });
      } else if (numbers.length === 1 && !button.example?.trim()) {
        problems.push({ field: `buttons.${i}.example`, code: "url_example_missing" });
      }
    }
    if (button.type === "PHONE_NUMBER" && !PHONE.test(button.phoneNumber.trim())) {
      problems.push({ field: `buttons.${i}.phoneNumber`, code: "phone_invalid" });
    }
  });
  return problems;
}

// ---- Meta's components ------------------------------------------------------------------------

export type MetaComponent = { type: string } & Record<string, unknown>;

export function authenticationBody(securityRecommendation: boolean): string {
  return securityRecommendation ? "*{{1}}* is your verification code. For your security, do not share this code." : "*{{1}}* is your verification code.";
}

const COPY_CODE_URL = "https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code=otp{{1}}";

/** The `components` of POST /{waba-id}/message_templates for a checked template. */
export function submitComponents(input: CreateTemplateInput): MetaComponent[] {
  if (input.category === "AUTHENTICATION") {
    const auth = input.authentication ?? { securityRecommendation: true };
    const components: MetaComponent[] = [{ type: "BODY", add_security_recommendation: auth.securityRecommendation ?? true }];
    if (auth.codeExpirationMinutes) components.push({ type: "FOOTER", code_expiration_minutes: auth.codeExpirationMinutes });
    components.push({ type: "BUTTONS", buttons: [{ type: "OTP", otp_type: "COPY_CODE", text: auth.buttonText?.trim() || "Copy code" }] });
    return components;
  }
  const components: MetaComponent[] = [];
  const header = input.header;
  if (header?.format === "TEXT") {
    components.push({
      type: "HEADER",
      format: "TEXT",
      text: header.text,
      ...(variableCount(header.text) ? { example: { header_text: [header.example ?? ""] } } : {}),
    });
  } else if (header) {
    components.push({ type: "HEADER", format: header.format, example: { header_handle: [header.handle] } });
  }
  const body = input.body?.text ?? "";
  const count = variableCount(body);
  components.push({ type: "BODY", text: body, ...(count ? { example: { body_text: [(input.body?.examples ?? []).slice(0, count)] } } : {}) });
  if (input.footer) components.push({ type: "FOOTER", text: input.footer });
  if (input.buttons.length) {
    components.push({
      type: "BUTTONS",
      buttons: input.buttons.map((b) => {
        if (b.type === "QUICK_REPLY") return { type: "QUICK_REPLY", text: b.text };
        if (b.type === "PHONE_NUMBER") return { type: "PHONE_NUMBER", text: b.text, phone_number: b.phoneNumber.replace(/[ ()-]/g, "") };
        const variable = variableCount(b.url) > 0;
        return { type: "URL", text: b.text, url: b.url, ...(variable ? { example: [b.url.replace(PLACEHOLDER, b.example ?? "")] } : {}) };
      }),
    });
  }
  return components;
}

/**
 * The components as Meta lists the template afterwards (GET message_templates): the same as
 * submitted, except that an AUTHENTICATION template comes back with Meta's own body text and its
 * copy-code button as a URL button whose {{1}} is the code.
 */
export function listedComponents(input: CreateTemplateInput): MetaComponent[] {
  const submitted = submitComponents(input);
  if (input.category !== "AUTHENTICATION") return submitted;
  const auth = input.authentication ?? { securityRecommendation: true };
  const components: MetaComponent[] = [{ type: "BODY", text: authenticationBody(auth.securityRecommendation ?? true) }];
  if (auth.codeExpirationMinutes) components.push({ type: "FOOTER", text: `This code expires in ${auth.codeExpirationMinutes} minutes.` });
  components.push({ type: "BUTTONS", buttons: [{ type: "URL", text: auth.buttonText?.trim() || "Copy code", url: COPY_CODE_URL }] });
  return components;
}

// ---- what a template needs at send time, and its preview ------------------------------------

interface LooseComponent {
  type?: string;
  format?: string;
  text?: string;
  buttons?: Array<{ type?: string; text?: string; url?: string; phone_number?: string }>;
}

export interface TemplateShape {
  header: { format: "TEXT"; text: string; variables: number } | { format: MediaHeaderFormat | "LOCATION" } | null;
  body: string;
  footer: string | null;
  buttons: Array<{ type: string; text: string; url: string | null; phone: string | null; variable: boolean }>;
}

/** Header, body, footer and buttons of a template's components (body alone when there are none). */
export function templateShape(body: string, components: readonly unknown[] | null | undefined): TemplateShape {
  const list = (components ?? []) as LooseComponent[];
  const find = (type: string) => list.find((c) => (c.type ?? "").toUpperCase() === type);
  const header = find("HEADER");
  const format = (header?.format ?? "TEXT").toUpperCase();
  const buttons = find("BUTTONS")?.buttons ?? [];
  return {
    header: header
      ? format === "TEXT"
        ? { format: "TEXT", text: header.text ?? "", variables: variableCount(header.text ?? "") }
        : { format: format as MediaHeaderFormat }
      : null,
    body: find("BODY")?.text ?? body,
    footer: find("FOOTER")?.text ?? null,
    buttons: buttons.map((b) => ({
      type: (b.type ?? "").toUpperCase(),
      text: b.text ?? "",
      url: b.url ?? null,
      phone: b.phone_number ?? null,
      variable: variableCount(b.url ?? "") > 0,
    })),
  };
}

export type PreviewPart = { kind: "text"; text: string } | { kind: "param"; index: number; value: string };

/** A text split into its words and its {{n}} filled from `values` (empty when not given yet). */
export function fillParts(text: string, values: readonly string[]): PreviewPart[] {
  const parts: PreviewPart[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push({ kind: "text", text: text.slice(last, match.index) });
    const index = Number(match[1]);
    parts.push({ kind: "param", index, value: values[index - 1] ?? "" });
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push({ kind: "text", text: text.slice(last) });
  return parts;
}

/** The text with its {{n}} replaced (kept as {{n}} while a value is missing). */
export function fillText(text: string, values: readonly string[]): string {
  return fillParts(text, values)
    .map((p) => (p.kind === "text" ? p.text : p.value || `{{${p.index}}}`))
    .join("");
}

/** The shape of a template being written in the form (for its live preview, examples filled in). */
export function draftShape(input: CreateTemplateBody): TemplateShape {
  const parsed = v.safeParse(CreateTemplateBody, input);
  const components = parsed.success ? listedComponents(parsed.output) : [];
  return templateShape(input.body?.text ?? "", components);
}
