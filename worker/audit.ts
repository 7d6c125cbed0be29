/**
 * The audit log: who did what, when, from where. Written beside the change it records; a failure
 * to write it is logged, never hidden behind a successful answer.
 */
import type { Context } from "hono";
import type { AppEnv } from "./env";
import { newId } from "./ids";

export type AuditAction =
  | "session.sign_in"
  | "session.sign_in_failed"
  | "session.sign_out"
  | "setup.owner_created"
  | "invitation.created"
  | "invitation.revoked"
  | "invitation.accepted"
  | "user.role_changed"
  | "user.deactivated"
  | "user.reactivated"
  | "user.password_reset_issued"
  | "user.password_reset_used"
  | "user.password_changed"
  | "team.created"
  | "team.renamed"
  | "team.deleted"
  | "team.members_changed"
  | "token.created"
  | "token.revoked"
  | "conversation.reassigned"
  | "settings.changed"
  | "export.created"
  | "label.created"
  | "label.updated"
  | "label.deleted"
  | "quick_reply.created"
  | "quick_reply.updated"
  | "quick_reply.deleted"
  | "template.created"
  | "template.synced";

export interface AuditEntry {
  action: AuditAction;
  actorId?: string | null;
  actorName?: string | null;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
}

export function clientAddress(c: Context): string | null {
  return c.req.header("CF-Connecting-IP") ?? null;
}

export function auditStatement(db: D1Database, entry: AuditEntry & { ip?: string | null }, now = Date.now()) {
  return db
    .prepare(
      "INSERT INTO audit_log (id, at, actor_id, actor_name, action, target_type, target_id, ip, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(
      newId("aud"),
      now,
      entry.actorId ?? null,
      entry.actorName ?? null,
      entry.action,
      entry.targetType ?? null,
      entry.targetId ?? null,
      entry.ip ?? null,
      entry.details ? JSON.stringify(entry.details) : null,
    );
}

/** Record an action by the signed-in user of `c` (or the actor given). */
export async function audit(c: Context<AppEnv>, entry: AuditEntry): Promise<void> {
  const user = c.get("user");
  await auditStatement(c.env.DB, {
    actorId: user?.id ?? null,
    actorName: user?.name ?? null,
    ip: clientAddress(c),
    ...entry,
  }).run();
}
