/**
 * Message templates: the approved list the composer offers (fetched once per page load), every
 * template for Settings → Templates, and helpers for their {{n}} placeholders, the values a send
 * needs (body, header {{1}} or media link, URL-button {{1}}) and values taken from contact fields.
 */
import type * as v from "valibot";
import type * as T from "$contracts/templates";
import { fillParts, fillText, templateShape, type TemplateShape } from "$contracts/templates";
import { api, ApiError, request, toApiError, type ContactRef, type Template } from "./api";
import { formatPhone, formatUsername } from "./contact";

export type TemplateView = v.InferOutput<typeof T.TemplateView>;
export type CreateTemplateBody = v.InferInput<typeof T.CreateTemplateBody>;

/** A template as GET /api/templates answers it (components and account since issue 5). */
export type ComposerTemplate = Template & { components?: TemplateView["components"]; wabaId?: string | null };

const PLACEHOLDER = /\{\{\s*(\d+)\s*\}\}/g;

/** How many parameters a body needs: the highest {{n}} it mentions. */
export function parameterCount(body: string): number {
  let max = 0;
  for (const match of body.matchAll(PLACEHOLDER)) max = Math.max(max, Number(match[1]));
  return max;
}

export type TemplatePart = { kind: "text"; text: string } | { kind: "param"; index: number; value: string };

/** The body split into text and filled (or still empty) parameters, for a text-only preview. */
export function templateParts(body: string, parameters: readonly string[]): TemplatePart[] {
  return fillParts(body, parameters);
}

/** The body as the customer will read it. */
export function fillTemplate(body: string, parameters: readonly string[]): string {
  return fillText(body, parameters);
}

export function isApproved(template: Template): boolean {
  return template.status.toUpperCase() === "APPROVED";
}

export function templateKey(template: Template & { wabaId?: string | null }): string {
  return `${template.name}\u0000${template.language}\u0000${template.wabaId ?? ""}`;
}

/** Header, body, footer and buttons of a template (the body alone for one known only by its body). */
export function shapeOf(template: ComposerTemplate): TemplateShape {
  return templateShape(template.body, template.components ?? null);
}

// ---- values from contact fields -----------------------------------------------------------------

/** Contact fields a value can come from (the contact model: name, number, username). */
export const CONTACT_FIELDS = ["name", "firstName", "phone", "username"] as const;
export type ContactField = (typeof CONTACT_FIELDS)[number];

/** Where one variable's value comes from: typed text, or a field of the thread's contact. */
export type ValueSource = { kind: "text"; text: string } | { kind: "field"; field: ContactField };

export function contactFieldValue(contact: ContactRef | null | undefined, field: ContactField): string {
  if (!contact) return "";
  switch (field) {
    case "name":
      return contact.name?.trim() ?? "";
    case "firstName":
      return contact.name?.trim().split(/\s+/)[0] ?? "";
    case "phone":
      return contact.waId ? formatPhone(contact.waId) : "";
    case "username":
      return contact.username ? formatUsername(contact.username) : "";
  }
}

/** The value a source gives for this contact ("" when the field is empty). */
export function resolveValue(source: ValueSource, contact: ContactRef | null | undefined): string {
  return source.kind === "text" ? source.text.trim() : contactFieldValue(contact, source.field);
}

/** The variables a send asks for: body {{1}}…, the header's, and each URL button's. */
export interface TemplateSlots {
  body: number;
  header: { kind: "text" } | { kind: "media"; format: "IMAGE" | "VIDEO" | "DOCUMENT" } | null;
  buttons: number[];
}

export function slotsOf(shape: TemplateShape): TemplateSlots {
  const header = shape.header;
  return {
    body: parameterCount(shape.body),
    header:
      header === null
        ? null
        : header.format === "TEXT"
          ? header.variables > 0
            ? { kind: "text" }
            : null
          : header.format === "LOCATION"
            ? null
            : { kind: "media", format: header.format },
    buttons: shape.buttons.flatMap((b, index) => (b.variable ? [index] : [])),
  };
}

export interface FilledValues {
  body: string[];
  header: string;
  buttons: Record<number, string>;
}

/** The `template` of POST /api/conversations/:id/messages for these values. */
export function sendBody(template: ComposerTemplate, slots: TemplateSlots, values: FilledValues) {
  return {
    name: template.name,
    language: template.language,
    parameters: values.body,
    ...(slots.header?.kind === "text" ? { header: { type: "text" as const, text: values.header } } : {}),
    ...(slots.header?.kind === "media"
      ? { header: { type: slots.header.format.toLowerCase() as "image" | "video" | "document", link: values.header } }
      : {}),
    ...(slots.buttons.length ? { buttons: slots.buttons.map((index) => ({ index, text: values.buttons[index] ?? "" })) } : {}),
  };
}

/** What the thread shows for the send: header, body and footer filled in. */
export function sentText(shape: TemplateShape, slots: TemplateSlots, values: FilledValues): string {
  const header = shape.header?.format === "TEXT" ? fillText(shape.header.text, slots.header?.kind === "text" ? [values.header] : []) : null;
  return [header, fillText(shape.body, values.body), shape.footer].filter((part) => part && part.trim()).join("\n\n");
}

// ---- lists --------------------------------------------------------------------------------------

class TemplateCatalog {
  templates = $state<ComposerTemplate[] | null>(null);
  error = $state<ApiError | null>(null);
  loading = $state(false);

  get approved(): ComposerTemplate[] {
    return (this.templates ?? []).filter(isApproved);
  }

  async load(force = false): Promise<void> {
    if (this.loading || (this.templates && !force)) return;
    this.loading = true;
    this.error = null;
    try {
      this.templates = (await api.templates()).templates as ComposerTemplate[];
    } catch (error) {
      this.error = toApiError(error);
    } finally {
      this.loading = false;
    }
  }
}

export const templateCatalog = new TemplateCatalog();

/** The Settings → Templates API (Owner, Manager). */
export const templatesAdminApi = {
  all: () => request<{ templates: TemplateView[] }>("GET", "/api/templates/all"),
  create: (body: CreateTemplateBody) => request<{ template: TemplateView }>("POST", "/api/templates", { body }),
  sync: () => request<{ synced: number; accounts: Array<{ wabaId: string; ok: boolean; synced: number; error?: string }> }>("POST", "/api/templates/sync"),
  /** Multipart, so not through `request` (which always sends JSON). */
  async uploadMedia(file: File, wabaId: string | null): Promise<{ handle: string; format: "IMAGE" | "VIDEO" | "DOCUMENT" }> {
    const form = new FormData();
    form.set("file", file);
    if (wabaId) form.set("wabaId", wabaId);
    let response: Response;
    try {
      response = await fetch("/api/templates/media", { method: "POST", body: form, credentials: "same-origin", headers: { Accept: "application/json" } });
    } catch (error) {
      throw toApiError(error);
    }
    const data = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string }; handle?: string; format?: string } | null;
    if (!response.ok || !data?.handle) {
      throw new ApiError(response.status, data?.error?.code ?? "internal", data?.error?.message ?? response.statusText);
    }
    return data as { handle: string; format: "IMAGE" | "VIDEO" | "DOCUMENT" };
  },
};
