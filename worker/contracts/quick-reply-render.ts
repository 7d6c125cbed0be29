/**
 * Quick-reply text with variables, rendered the same way by the Worker and the web composer.
 * Pure (no imports): the web app imports it as is.
 *
 * Syntax: `{{contact.name}}`, spaces allowed inside the braces, and an optional fallback after a
 * bar for when the value is unknown: `Hi {{contact.first_name | there}}!`.
 */

/** The variables a quick reply may use. */
export const QUICK_REPLY_VARIABLES = [
  "contact.name",
  "contact.first_name",
  "contact.phone",
  "agent.name",
  "agent.first_name",
] as const;
export type QuickReplyVariable = (typeof QUICK_REPLY_VARIABLES)[number];

/** A shortcut as typed after the slash: lowercase letters, digits, `_` and `-`, 1–32 characters. */
export const SHORTCUT_PATTERN = /^[a-z0-9_-]{1,32}$/;

export interface QuickReplyContext {
  contact?: { name?: string | null; phone?: string | null; waId?: string | null } | null;
  agent?: { name?: string | null } | null;
}

const VARIABLE = /\{\{\s*([a-zA-Z_.]+)\s*(?:\|([^{}]*))?\}\}/g;

function firstName(name: string): string {
  return name.trim().split(/\s+/)[0] ?? "";
}

/** The customer's number for display: Meta's wa_id is digits without the plus. */
export function phoneFromWaId(waId: string | null | undefined): string {
  return waId ? `+${waId}` : "";
}

function valueOf(variable: QuickReplyVariable, context: QuickReplyContext): string {
  const contactName = context.contact?.name?.trim() ?? "";
  const agentName = context.agent?.name?.trim() ?? "";
  switch (variable) {
    case "contact.name":
      return contactName;
    case "contact.first_name":
      return contactName ? firstName(contactName) : "";
    case "contact.phone":
      return context.contact?.phone?.trim() || phoneFromWaId(context.contact?.waId);
    case "agent.name":
      return agentName;
    case "agent.first_name":
      return agentName ? firstName(agentName) : "";
  }
}

function isVariable(name: string): name is QuickReplyVariable {
  return (QUICK_REPLY_VARIABLES as readonly string[]).includes(name);
}

/**
 * The text with every known variable replaced by its value (or its fallback, or nothing when
 * neither is known). Unknown variables stay as written so a typo is visible, not silently dropped.
 */
export function renderQuickReply(text: string, context: QuickReplyContext): string {
  return text.replace(VARIABLE, (whole, name: string, fallback: string | undefined) => {
    if (!isVariable(name)) return whole;
    const value = valueOf(name, context);
    return value || (fallback?.trim() ?? "");
  });
}

/** Variables in `text` that Chorus does not know (each once, in order of appearance). */
export function unknownVariables(text: string): string[] {
  const unknown: string[] = [];
  for (const match of text.matchAll(VARIABLE)) {
    const name = match[1]!;
    if (!isVariable(name) && !unknown.includes(name)) unknown.push(name);
  }
  return unknown;
}
