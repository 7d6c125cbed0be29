/**
 * Message templates: the approved list (fetched once per page load) and helpers for their {{n}}
 * placeholders.
 */
import { api, toApiError, type ApiError, type Template } from "./api";

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
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of body.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push({ kind: "text", text: body.slice(last, match.index) });
    const index = Number(match[1]);
    parts.push({ kind: "param", index, value: parameters[index - 1] ?? "" });
    last = match.index + match[0].length;
  }
  if (last < body.length) parts.push({ kind: "text", text: body.slice(last) });
  return parts;
}

/** The body as the customer will read it. */
export function fillTemplate(body: string, parameters: readonly string[]): string {
  return templateParts(body, parameters)
    .map((part) => (part.kind === "text" ? part.text : part.value || `{{${part.index}}}`))
    .join("");
}

export function isApproved(template: Template): boolean {
  return template.status.toUpperCase() === "APPROVED";
}

export function templateKey(template: Template): string {
  return `${template.name}\u0000${template.language}`;
}

class TemplateCatalog {
  templates = $state<Template[] | null>(null);
  error = $state<ApiError | null>(null);
  loading = $state(false);

  get approved(): Template[] {
    return (this.templates ?? []).filter(isApproved);
  }

  async load(force = false): Promise<void> {
    if (this.loading || (this.templates && !force)) return;
    this.loading = true;
    this.error = null;
    try {
      this.templates = (await api.templates()).templates;
    } catch (error) {
      this.error = toApiError(error);
    } finally {
      this.loading = false;
    }
  }
}

export const templateCatalog = new TemplateCatalog();
