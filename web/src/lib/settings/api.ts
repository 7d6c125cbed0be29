/**
 * The access API (issue 3) for the settings pages, through the app's one fetch wrapper. Types are
 * inferred from the shared contract (worker/contracts/access.ts).
 */
import type * as v from "valibot";
import type * as A from "$contracts/access";
import { request, type User } from "$lib/api";

export type UserAdminView = v.InferOutput<typeof A.UserAdminView>;
export type UpdateUserBody = v.InferInput<typeof A.UpdateUserBody>;
export type UpdateProfileBody = v.InferInput<typeof A.UpdateProfileBody>;
export type ChangePasswordBody = v.InferInput<typeof A.ChangePasswordBody>;
export type LinkResponse = v.InferOutput<typeof A.LinkResponse>;
export type Invitation = v.InferOutput<typeof A.Invitation>;
export type CreateInvitationBody = v.InferInput<typeof A.CreateInvitationBody>;
export type CreatedInvitation = v.InferOutput<typeof A.CreatedInvitation>;
export type Team = v.InferOutput<typeof A.Team>;
export type CreateTeamBody = v.InferInput<typeof A.CreateTeamBody>;
export type UpdateTeamBody = v.InferInput<typeof A.UpdateTeamBody>;
export type ApiToken = v.InferOutput<typeof A.ApiToken>;
export type CreateApiTokenBody = v.InferInput<typeof A.CreateApiTokenBody>;
export type CreatedApiToken = v.InferOutput<typeof A.CreatedApiToken>;
export type AuditEntry = v.InferOutput<typeof A.AuditEntry>;
export type AuditList = v.InferOutput<typeof A.AuditList>;
export type WorkspaceSettings = v.InferOutput<typeof A.WorkspaceSettings>;
export type Availability = v.InferOutput<typeof A.Availability>;

export interface AuditFilter {
  action?: string;
  actor?: string;
}

const id = (value: string) => encodeURIComponent(value);

export const accessApi = {
  // Profile and password: the signed-in person (worker/routes/session.ts).
  updateProfile: (body: UpdateProfileBody) => request<{ user: User }>("PATCH", "/api/session", { body }),
  changePassword: (body: ChangePasswordBody) => request<null>("POST", "/api/session/password", { body }),

  users: () => request<{ users: UserAdminView[] }>("GET", "/api/users"),
  user: (userId: string) => request<{ user: UserAdminView }>("GET", `/api/users/${id(userId)}`),
  updateUser: (userId: string, body: UpdateUserBody) => request<{ user: UserAdminView }>("PATCH", `/api/users/${id(userId)}`, { body }),
  deactivateUser: (userId: string) => request<{ user: UserAdminView }>("POST", `/api/users/${id(userId)}/deactivate`),
  reactivateUser: (userId: string) => request<{ user: UserAdminView }>("POST", `/api/users/${id(userId)}/reactivate`),
  passwordReset: (userId: string) => request<LinkResponse>("POST", `/api/users/${id(userId)}/password-reset`),

  invitations: () => request<{ invitations: Invitation[] }>("GET", "/api/invitations"),
  invite: (body: CreateInvitationBody) => request<CreatedInvitation>("POST", "/api/invitations", { body }),
  revokeInvitation: (invitationId: string) => request<null>("DELETE", `/api/invitations/${id(invitationId)}`),

  teams: () => request<{ teams: Team[] }>("GET", "/api/teams"),
  createTeam: (body: CreateTeamBody) => request<{ team: Team }>("POST", "/api/teams", { body }),
  updateTeam: (teamId: string, body: UpdateTeamBody) => request<{ team: Team }>("PATCH", `/api/teams/${id(teamId)}`, { body }),
  deleteTeam: (teamId: string) => request<null>("DELETE", `/api/teams/${id(teamId)}`),

  tokens: () => request<{ tokens: ApiToken[] }>("GET", "/api/tokens"),
  createToken: (body: CreateApiTokenBody) => request<CreatedApiToken>("POST", "/api/tokens", { body }),
  revokeToken: (tokenId: string) => request<null>("DELETE", `/api/tokens/${id(tokenId)}`),

  auditLog: (filter: AuditFilter, cursor?: string | null) =>
    request<AuditList>("GET", "/api/audit-log", { query: { action: filter.action, actor: filter.actor, cursor } }),

  settings: () => request<{ settings: WorkspaceSettings }>("GET", "/api/settings"),
  updateSettings: (body: Partial<WorkspaceSettings>) => request<{ settings: WorkspaceSettings }>("PATCH", "/api/settings", { body }),
};
