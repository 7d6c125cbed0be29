/**
 * Which settings a role may use, mirroring the role table in design.md and the server's checks
 * (worker/routes/users.ts, invitations.ts, teams.ts, tokens.ts, channels.ts, audit-log.ts, settings.ts).
 * The server is the authority: these rules only hide what it would refuse.
 */
import type { User } from "$lib/api";

export type Role = User["role"];

export const SECTIONS = ["profile", "users", "invitations", "teams", "tokens", "channels", "templates", "audit", "workspace"] as const;
export type Section = (typeof SECTIONS)[number];

const MANAGERS: readonly Role[] = ["owner", "manager"];
const OWNER: readonly Role[] = ["owner"];

const SECTION_ROLES: Record<Section, readonly Role[]> = {
  profile: ["owner", "manager", "agent"],
  users: MANAGERS,
  invitations: MANAGERS,
  teams: MANAGERS,
  tokens: OWNER,
  channels: OWNER,
  audit: OWNER,
  workspace: OWNER,
  // Issue 5: creating and submitting WhatsApp templates (worker/routes/templates.ts).
  templates: MANAGERS,
};

export function canUseSection(role: Role, section: Section): boolean {
  return SECTION_ROLES[section].includes(role);
}

/** The sections this role sees in the settings menu, in menu order. */
export function sectionsFor(role: Role): Section[] {
  return SECTIONS.filter((section) => canUseSection(role, section));
}

export function isSection(value: unknown): value is Section {
  return typeof value === "string" && (SECTIONS as readonly string[]).includes(value);
}

/** "/settings/users" → "users"; "/settings" or anything else → null. */
export function sectionFromPath(pathname: string): Section | null {
  const match = /^\/settings\/([^/]+)\/?$/.exec(pathname);
  return match && isSection(match[1]) ? match[1] : null;
}

/** Roles an actor may give (in an invitation, a role change or a token): a Manager never makes an Owner. */
export function assignableRoles(actor: Role): Role[] {
  if (actor === "owner") return ["owner", "manager", "agent"];
  if (actor === "manager") return ["manager", "agent"];
  return [];
}

export interface UserActions {
  /** Change role (and the role picker is shown enabled). */
  changeRole: boolean;
  /** Change teams. */
  changeTeams: boolean;
  deactivate: boolean;
  reactivate: boolean;
  /** Issue a password-reset link (Owner only). */
  passwordReset: boolean;
}

/**
 * What `actor` may do to `target` in Settings → Users. Managers cannot touch Owners; nobody changes
 * their own role or deactivates themselves; a reset link only helps an active account (the server
 * refuses it for a deactivated one when used) and you change your own password in Profile.
 */
export function userActions(actor: { id: string; role: Role }, target: { id: string; role: Role; active: boolean }): UserActions {
  const manages = MANAGERS.includes(actor.role) && !(actor.role === "manager" && target.role === "owner");
  const self = actor.id === target.id;
  return {
    changeRole: manages && !self && target.active,
    changeTeams: manages,
    deactivate: manages && !self && target.active,
    reactivate: manages && !target.active,
    passwordReset: actor.role === "owner" && !self && target.active,
  };
}
