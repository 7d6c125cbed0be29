/** Audit-log helpers: the actions the server records (worker/audit.ts) and a short view of details. */

export const AUDIT_ACTIONS = [
  "session.sign_in",
  "session.sign_in_failed",
  "session.sign_out",
  "setup.owner_created",
  "invitation.created",
  "invitation.revoked",
  "invitation.accepted",
  "user.role_changed",
  "user.deactivated",
  "user.reactivated",
  "user.password_reset_issued",
  "user.password_reset_used",
  "user.password_changed",
  "team.created",
  "team.renamed",
  "team.deleted",
  "team.members_changed",
  "token.created",
  "token.revoked",
  "conversation.reassigned",
  "settings.changed",
  "export.created",
  "label.created",
  "label.updated",
  "label.deleted",
  "quick_reply.created",
  "quick_reply.updated",
  "quick_reply.deleted",
  "template.created",
  "template.synced",
] as const;

export type KnownAuditAction = (typeof AUDIT_ACTIONS)[number];

export function isKnownAuditAction(action: string): action is KnownAuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(action);
}

/** The i18n key naming an action; actions added to the server later show their code instead. */
export function auditActionKey(action: string): string | null {
  return isKnownAuditAction(action) ? `settings.auditActions.${action}` : null;
}

const TARGET_TYPES = ["user", "team", "invitation", "api_token", "settings", "conversation", "label", "quick_reply", "channel", "template"];

/** The i18n key naming a target type; a type added later shows as it is. */
export function auditTargetKey(type: string | null): string | null {
  return type && TARGET_TYPES.includes(type) ? `settings.auditTargets.${type}` : null;
}

function valueText(value: unknown, names: ReadonlyMap<string, string>): string {
  if (value === null || value === undefined) return "—";
  if (Array.isArray(value)) return value.length ? value.map((item) => valueText(item, names)).join(", ") : "—";
  if (typeof value === "object") return JSON.stringify(value);
  if (typeof value === "string") return names.get(value) ?? value;
  return String(value);
}

/**
 * Details as short "key: value" pairs for the table, e.g. `from: agent · to: manager`; ids the
 * page knows (users, teams) read as names. Shown as text (never markup). Long values are cut so
 * one entry can't stretch the table.
 */
export function auditDetailsText(
  details: Record<string, unknown> | null,
  names: ReadonlyMap<string, string> = new Map(),
  max = 160,
): string {
  if (!details) return "";
  const text = Object.entries(details)
    .map(([key, value]) => `${key}: ${valueText(value, names)}`)
    .join(" · ");
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
