/**
 * The composer's interactive forms (reply buttons, list, call-to-action link) → the body of
 * POST /api/conversations/:id/messages `{interactive}`, checked with Meta's limits the server
 * applies (worker/contracts/whatsapp.ts InteractiveBody + worker/whatsapp/outbound.ts
 * interactiveProblem) so the agent sees what to fix before sending. Ids are generated: agents
 * write titles; a customer's tap comes back with the title anyway.
 */
import type { InteractiveBody } from "$contracts/whatsapp";
import type { Problem } from "./attachments";

export type InteractiveType = "button" | "list" | "cta_url";
/** What the composer's "+" menu offers. */
export type MoreKind = InteractiveType | "location";

/** Meta's limits (Interactive messages reference). */
export const LIMITS = {
  header: 60,
  body: 1024,
  footer: 60,
  buttonTitle: 20,
  buttons: 3,
  listButton: 20,
  sectionTitle: 24,
  rowTitle: 24,
  rowDescription: 72,
  sections: 10,
  rows: 10,
  ctaText: 20,
  url: 2000,
} as const;

export interface RowDraft {
  title: string;
  description: string;
}
export interface SectionDraft {
  title: string;
  rows: RowDraft[];
}

/** What the form holds (strings as typed). */
export interface InteractiveDraft {
  type: InteractiveType;
  header: string;
  body: string;
  footer: string;
  buttons: string[];
  listButton: string;
  sections: SectionDraft[];
  ctaText: string;
  ctaUrl: string;
}

export function emptyDraft(type: InteractiveType): InteractiveDraft {
  return {
    type,
    header: "",
    body: "",
    footer: "",
    buttons: type === "button" ? ["", ""] : [],
    listButton: "",
    sections: type === "list" ? [{ title: "", rows: [{ title: "", description: "" }] }] : [],
    ctaText: "",
    ctaUrl: "",
  };
}

/** A problem with the field it belongs to (a path like "buttons.1" or "sections.0.rows.2.title"). */
export interface FieldProblem extends Problem {
  field: string;
}

export type InteractiveResult = { ok: true; body: InteractiveBody } | { ok: false; problems: FieldProblem[] };

const tooLong = (field: string, max: number): FieldProblem => ({ field, key: "outbound.interactive.tooLong", values: { max } });
const required = (field: string): FieldProblem => ({ field, key: "outbound.interactive.required" });

/** Only https links: a customer taps this button on their phone. */
export function isHttpsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" && Boolean(url.hostname) && value.length <= LIMITS.url;
  } catch {
    return false;
  }
}

/** Checks the draft and builds the body, or says what to fix (every problem at once). */
export function buildInteractive(draft: InteractiveDraft): InteractiveResult {
  const problems: FieldProblem[] = [];
  const header = draft.header.trim();
  const body = draft.body.trim();
  const footer = draft.footer.trim();
  if (header.length > LIMITS.header) problems.push(tooLong("header", LIMITS.header));
  if (!body) problems.push(required("body"));
  else if (body.length > LIMITS.body) problems.push(tooLong("body", LIMITS.body));
  if (footer.length > LIMITS.footer) problems.push(tooLong("footer", LIMITS.footer));

  const base: InteractiveBody = { type: draft.type, body, ...(header ? { header } : {}), ...(footer ? { footer } : {}) };

  if (draft.type === "button") {
    const titles = draft.buttons.map((b) => b.trim());
    const filled = titles.filter(Boolean);
    if (filled.length === 0) problems.push({ field: "buttons", key: "outbound.interactive.needButton" });
    if (filled.length > LIMITS.buttons) problems.push({ field: "buttons", key: "outbound.interactive.tooManyButtons", values: { max: LIMITS.buttons } });
    titles.forEach((title, i) => {
      if (title.length > LIMITS.buttonTitle) problems.push(tooLong(`buttons.${i}`, LIMITS.buttonTitle));
    });
    // Two buttons with one title are one choice to the customer: Meta wants them distinct.
    if (new Set(filled.map((t) => t.toLowerCase())).size !== filled.length) problems.push({ field: "buttons", key: "outbound.interactive.duplicate" });
    if (problems.length) return { ok: false, problems };
    return { ok: true, body: { ...base, buttons: filled.map((title, i) => ({ id: `btn_${i + 1}`, title })) } };
  }

  if (draft.type === "list") {
    const listButton = draft.listButton.trim();
    if (!listButton) problems.push(required("listButton"));
    else if (listButton.length > LIMITS.listButton) problems.push(tooLong("listButton", LIMITS.listButton));
    const sections = draft.sections.map((s) => ({
      title: s.title.trim(),
      rows: s.rows.map((r) => ({ title: r.title.trim(), description: r.description.trim() })).filter((r) => r.title || r.description),
    }));
    if (sections.length === 0) problems.push({ field: "sections", key: "outbound.interactive.needRow" });
    if (sections.length > LIMITS.sections) problems.push({ field: "sections", key: "outbound.interactive.tooManySections", values: { max: LIMITS.sections } });
    let rowCount = 0;
    sections.forEach((section, si) => {
      if (section.title.length > LIMITS.sectionTitle) problems.push(tooLong(`sections.${si}.title`, LIMITS.sectionTitle));
      // Meta: with more than one section, each needs a title.
      if (sections.length > 1 && !section.title) problems.push(required(`sections.${si}.title`));
      if (section.rows.length === 0) problems.push({ field: `sections.${si}`, key: "outbound.interactive.needRow" });
      section.rows.forEach((row, ri) => {
        rowCount++;
        if (!row.title) problems.push(required(`sections.${si}.rows.${ri}.title`));
        if (row.title.length > LIMITS.rowTitle) problems.push(tooLong(`sections.${si}.rows.${ri}.title`, LIMITS.rowTitle));
        if (row.description.length > LIMITS.rowDescription) problems.push(tooLong(`sections.${si}.rows.${ri}.description`, LIMITS.rowDescription));
      });
    });
    if (rowCount > LIMITS.rows) problems.push({ field: "sections", key: "outbound.interactive.tooManyRows", values: { max: LIMITS.rows } });
    const titles = sections.flatMap((s) => s.rows.map((r) => r.title.toLowerCase()));
    if (new Set(titles).size !== titles.length) problems.push({ field: "sections", key: "outbound.interactive.duplicate" });
    if (problems.length) return { ok: false, problems };
    let n = 0;
    return {
      ok: true,
      body: {
        ...base,
        listButton,
        sections: sections.map((s) => ({
          ...(s.title ? { title: s.title } : {}),
          rows: s.rows.map((r) => ({ id: `row_${++n}`, title: r.title, ...(r.description ? { description: r.description } : {}) })),
        })),
      },
    };
  }

  const displayText = draft.ctaText.trim();
  const url = draft.ctaUrl.trim();
  if (!displayText) problems.push(required("ctaText"));
  else if (displayText.length > LIMITS.ctaText) problems.push(tooLong("ctaText", LIMITS.ctaText));
  if (!url) problems.push(required("ctaUrl"));
  else if (!isHttpsUrl(url)) problems.push({ field: "ctaUrl", key: "outbound.interactive.httpsUrl" });
  if (problems.length) return { ok: false, problems };
  return { ok: true, body: { ...base, cta: { displayText, url } } };
}

/** The problems of one field, for showing beside it. */
export function problemsOf(problems: FieldProblem[], field: string): FieldProblem[] {
  return problems.filter((p) => p.field === field);
}
