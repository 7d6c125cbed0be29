/**
 * API shapes for team and access (issue 3): users, teams, invitations, API tokens, audit log,
 * workspace settings. Times are epoch milliseconds.
 */
import * as v from "valibot";
import { Role } from "./api";

const Email = v.pipe(v.string(), v.trim(), v.toLowerCase(), v.email("Enter a valid email address."), v.maxLength(254));
const Password = v.pipe(
  v.string(),
  v.minLength(10, "The password must have at least 10 characters."),
  v.maxLength(256, "The password must have at most 256 characters."),
);
const Name = v.pipe(v.string(), v.trim(), v.minLength(1, "Enter a name."), v.maxLength(100));
const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(64));

export const Availability = v.picklist(["online", "away", "offline"]);
export type Availability = v.InferOutput<typeof Availability>;
export const Language = v.picklist(["en", "ja"]);

export const TeamRef = v.object({ id: v.string(), name: v.string() });

export const UserAdminView = v.object({
  id: v.string(),
  name: v.string(),
  email: v.string(),
  role: Role,
  language: v.nullable(v.string()),
  availability: Availability,
  active: v.boolean(),
  teams: v.array(TeamRef),
  createdAt: v.number(),
});
export type UserAdminView = v.InferOutput<typeof UserAdminView>;
export const UserList = v.object({ users: v.array(UserAdminView) });
export const UserResponse = v.object({ user: UserAdminView });

export const UpdateUserBody = v.strictObject({
  role: v.optional(Role),
  name: v.optional(Name),
  teamIds: v.optional(v.array(Id)),
});
export const UpdateProfileBody = v.strictObject({
  name: v.optional(Name),
  language: v.optional(v.nullable(Language)),
  availability: v.optional(Availability),
});
export const ChangePasswordBody = v.strictObject({
  currentPassword: v.pipe(v.string(), v.minLength(1, "Enter your current password."), v.maxLength(256)),
  newPassword: Password,
});

export const LinkResponse = v.object({ url: v.string(), token: v.string(), expiresAt: v.number() });

export const PasswordResetAcceptBody = v.strictObject({
  token: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  password: Password,
});

// ---- invitations -------------------------------------------------------------------------------

export const CreateInvitationBody = v.strictObject({
  email: Email,
  role: Role,
  teamIds: v.optional(v.array(Id), []),
});
export const InvitationState = v.picklist(["pending", "accepted", "revoked", "expired"]);
export const Invitation = v.object({
  id: v.string(),
  email: v.string(),
  role: Role,
  teams: v.array(TeamRef),
  state: InvitationState,
  createdAt: v.number(),
  expiresAt: v.number(),
  invitedBy: v.nullable(v.string()),
});
export const InvitationList = v.object({ invitations: v.array(Invitation) });
export const CreatedInvitation = v.object({
  invitation: Invitation,
  url: v.string(),
  token: v.string(),
  expiresAt: v.number(),
  emailed: v.boolean(),
});
export const InvitationLookupQuery = v.object({ token: v.pipe(v.string(), v.minLength(1), v.maxLength(128)) });
export const InvitationPreview = v.object({ email: v.string(), role: Role, expiresAt: v.number() });
export const AcceptInvitationBody = v.strictObject({
  token: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  name: Name,
  password: Password,
});

// ---- teams ----------------------------------------------------------------------------------------

export const Team = v.object({
  id: v.string(),
  name: v.string(),
  members: v.array(v.object({ id: v.string(), name: v.string() })),
  createdAt: v.number(),
});
export const TeamList = v.object({ teams: v.array(Team) });
export const TeamResponse = v.object({ team: Team });
export const CreateTeamBody = v.strictObject({ name: Name, memberIds: v.optional(v.array(Id), []) });
export const UpdateTeamBody = v.strictObject({ name: v.optional(Name), memberIds: v.optional(v.array(Id)) });

// ---- API tokens -----------------------------------------------------------------------------------

export const ApiToken = v.object({
  id: v.string(),
  name: v.string(),
  prefix: v.string(),
  role: Role,
  createdAt: v.number(),
  expiresAt: v.nullable(v.number()),
  lastUsedAt: v.nullable(v.number()),
  revokedAt: v.nullable(v.number()),
});
export const ApiTokenList = v.object({ tokens: v.array(ApiToken) });
export const CreateApiTokenBody = v.strictObject({
  name: Name,
  role: Role,
  /** Epoch ms; omitted or null = never expires. */
  expiresAt: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0)))),
});
export const CreatedApiToken = v.object({ token: v.string(), apiToken: ApiToken });

// ---- audit log & settings ---------------------------------------------------------------------------

export const AuditEntry = v.object({
  id: v.string(),
  at: v.number(),
  actorId: v.nullable(v.string()),
  actorName: v.nullable(v.string()),
  action: v.string(),
  targetType: v.nullable(v.string()),
  targetId: v.nullable(v.string()),
  ip: v.nullable(v.string()),
  details: v.nullable(v.record(v.string(), v.unknown())),
});
export const AuditList = v.object({ entries: v.array(AuditEntry), nextCursor: v.nullable(v.string()) });
export const AuditQuery = v.object({
  action: v.optional(v.pipe(v.string(), v.maxLength(64))),
  actor: v.optional(v.pipe(v.string(), v.maxLength(64))),
  from: v.optional(v.pipe(v.string(), v.regex(/^\d{1,15}$/, "from is epoch milliseconds"))),
  to: v.optional(v.pipe(v.string(), v.regex(/^\d{1,15}$/, "to is epoch milliseconds"))),
  cursor: v.optional(v.pipe(v.string(), v.maxLength(200))),
});

export const WorkspaceSettings = v.object({
  /** When true, agents see every thread, not only theirs and their teams' unassigned ones. */
  agentsSeeAllConversations: v.boolean(),
  /** Issue 5: when an agent opens a conversation, WhatsApp shows the customer their messages as read (blue ticks). Absent: off. */
  sendReadReceipts: v.optional(v.boolean()),
});
export type WorkspaceSettings = v.InferOutput<typeof WorkspaceSettings>;
export const UpdateSettingsBody = v.strictObject({ agentsSeeAllConversations: v.optional(v.boolean()), sendReadReceipts: v.optional(v.boolean()) });
