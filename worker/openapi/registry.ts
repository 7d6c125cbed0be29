/**
 * Every route the Hono app answers (except /simulator/*, which never ships), described once:
 * method, path, who may call it, and the valibot schemas of what goes in and comes out.
 *
 * /api/openapi.json is generated from this list (worker/openapi/generate.ts); a test fails when
 * the app and this list disagree (test/worker/openapi.test.ts); the role × route matrix of
 * issue 3 iterates it. Schemas are the ones the routes validate with — worker/contracts/api.ts
 * and the webhook envelope — referenced, never copied.
 */
import * as v from "valibot";
import {
  AcceptInvitationBody,
  ApiTokenList,
  AuditList,
  AuditQuery,
  ChangePasswordBody,
  CreateApiTokenBody,
  CreatedApiToken,
  CreatedInvitation,
  CreateInvitationBody,
  CreateTeamBody,
  InvitationList,
  InvitationLookupQuery,
  InvitationPreview,
  LinkResponse,
  PasswordResetAcceptBody,
  TeamList,
  TeamResponse,
  UpdateProfileBody,
  UpdateSettingsBody,
  UpdateTeamBody,
  UpdateUserBody,
  UserList,
  UserResponse,
  WorkspaceSettings,
} from "../contracts/access";
import {
  ConversationDetail,
  ConversationList,
  ConversationListQuery,
  MessageList,
  MessageListQuery,
  SendMessageBody,
  SendMessageResponse,
  SessionResponse,
  SetupBody,
  SetupStatus,
  SignInBody,
  TemplateList,
} from "../contracts/api";
import type { Role } from "../env";
import { WebhookEnvelope } from "../whatsapp/webhook-schema";
import { collaborationRoutes, collaborationTagDescriptions, type CollaborationTag } from "./collaboration";
import { inboxRoutes, inboxTagDescriptions, type InboxTag } from "./inbox";
import { reportsRoutes, reportsTagDescriptions, type ReportsTag } from "./reports";
import { whatsappRoutes, whatsappTagDescriptions, type WhatsAppTag } from "./whatsapp";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * How a caller proves who it is:
 * - `user`: a signed-in user — the session cookie, or an API token (`Authorization: Bearer`);
 * - `session`: the browser session cookie only (profile, password, sign-out: not for tokens);
 * - `none`: anyone;
 * - `webhook_signature`: Meta's X-Hub-Signature-256 over the raw body;
 * - `verify_token`: Meta's handshake carries WHATSAPP_VERIFY_TOKEN in the query.
 */
export type AuthKind = "user" | "session" | "none" | "webhook_signature" | "verify_token";

export type Tag =
  | "Setup"
  | "Session"
  | "Conversations"
  | "Messages"
  | "Templates"
  | "Live"
  | "Users"
  | "Invitations"
  | "Teams"
  | "API tokens"
  | "Audit log"
  | "Settings"
  | "Webhooks"
  | "Documentation"
  | CollaborationTag
  | InboxTag
  | ReportsTag
  | WhatsAppTag;

// Any valibot schema (sync), the way @valibot/to-json-schema takes it.
export type Schema = v.GenericSchema;
/** Query, path and header parameters are objects: one property per parameter. */
export type ObjectSchema = v.ObjectSchema<v.ObjectEntries, v.ErrorMessage<v.ObjectIssue> | undefined>;

export interface ResponseDoc {
  description: string;
  /** JSON body (application/json); omit for an empty body or a non-JSON one. */
  schema?: Schema;
  /** For non-JSON bodies: the media type and what it holds. */
  content?: { mediaType: string; description?: string };
}

export interface RouteDoc {
  method: HttpMethod;
  /** OpenAPI style: /api/conversations/{id}. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: Tag;
  auth: AuthKind;
  /** For `user`/`session` routes: the roles allowed (403 `forbidden` for the others); omitted = every role. */
  roles?: readonly Role[];
  request?: {
    /** JSON request body. */
    body?: Schema;
    query?: ObjectSchema;
    headers?: ObjectSchema;
    /** Path parameters; each `{name}` in the path without an entry here is a plain string. */
    params?: ObjectSchema;
  };
  /** Successful answers, by status. */
  responses: Record<number, ResponseDoc>;
  /**
   * Error answers (body: ErrorBody) beyond the ones every route of its kind has (generate.ts):
   * 400 with a body, query or parameters; 401 when signed-in or signed; 403 for a role
   * restriction and for a cross-site write to /api.
   */
  errors?: Record<number, string>;
}

/** Shapes the routes accept that have no home in the REST contract. */
const IdempotencyHeaders = v.object({
  "Idempotency-Key": v.optional(
    v.pipe(
      v.string(),
      v.minLength(1),
      v.maxLength(255),
      v.description(
        "Any unique string per message you mean to send (a UUID). Sending again with the same key returns the first answer and never sends twice.",
      ),
    ),
  ),
});

const WebhookSignatureHeaders = v.object({
  "X-Hub-Signature-256": v.pipe(
    v.string(),
    v.description("sha256=<hex HMAC-SHA256 of the raw body with the Meta app secret (WHATSAPP_APP_SECRET)>"),
  ),
});

const WebhookHandshakeQuery = v.object({
  "hub.mode": v.pipe(v.string(), v.description('Always "subscribe".')),
  "hub.verify_token": v.pipe(v.string(), v.description("Must equal WHATSAPP_VERIFY_TOKEN.")),
  "hub.challenge": v.pipe(v.string(), v.description("Echoed back when the token matches.")),
});

const IdParams = (what: string) => v.object({ id: v.pipe(v.string(), v.maxLength(64), v.description(`The ${what} id.`)) });
const ConversationIdParams = IdParams("conversation (cnv_…)");
const UserIdParams = IdParams("user (usr_…)");
const TeamIdParams = IdParams("team");
const InvitationIdParams = IdParams("invitation");
const TokenIdParams = IdParams("API token");

/** The settings routes answer the contract's WorkspaceSettings wrapped in `settings`. */
const SettingsResponse = v.object({ settings: WorkspaceSettings });

const MANAGERS: readonly Role[] = ["owner", "manager"];
const OWNER: readonly Role[] = ["owner"];

export const routes: readonly RouteDoc[] = [
  // ---- setup & session ------------------------------------------------------------------------
  {
    method: "GET",
    path: "/api/setup",
    operationId: "getSetupStatus",
    summary: "Whether Chorus still needs its first Owner",
    tag: "Setup",
    auth: "none",
    responses: { 200: { description: "needsSetup is true until the first Owner exists.", schema: SetupStatus } },
  },
  {
    method: "POST",
    path: "/api/setup",
    operationId: "createOwner",
    summary: "Create the first Owner (first run only) and sign in",
    description: "Works once: after any user exists it answers 409 setup_done. Sets the session cookie.",
    tag: "Setup",
    auth: "none",
    request: { body: SetupBody },
    responses: { 201: { description: "The Owner, signed in.", schema: SessionResponse } },
    errors: { 409: "setup_done: Chorus is already set up." },
  },
  {
    method: "GET",
    path: "/api/session",
    operationId: "getSession",
    summary: "The signed-in user",
    tag: "Session",
    auth: "user",
    responses: { 200: { description: "The user behind the session cookie or token.", schema: SessionResponse } },
  },
  {
    method: "POST",
    path: "/api/session",
    operationId: "signIn",
    summary: "Sign in with email and password",
    description:
      "Sets an HttpOnly, Secure, SameSite=Lax session cookie. A wrong password, an unknown email and a deactivated account get the same answer.",
    tag: "Session",
    auth: "none",
    request: { body: SignInBody },
    responses: { 200: { description: "Signed in.", schema: SessionResponse } },
    errors: {
      401: "invalid_credentials: the email or password is not correct.",
      429: "Too many attempts for this account or address; retry after the Retry-After header's seconds.",
    },
  },
  {
    method: "PATCH",
    path: "/api/session",
    operationId: "updateProfile",
    summary: "Change your own name, language or availability",
    tag: "Session",
    auth: "session",
    request: { body: UpdateProfileBody },
    responses: { 200: { description: "You, updated.", schema: SessionResponse } },
  },
  {
    method: "POST",
    path: "/api/session/password",
    operationId: "changePassword",
    summary: "Change your own password",
    description: "Ends every other session of yours.",
    tag: "Session",
    auth: "session",
    request: { body: ChangePasswordBody },
    responses: { 204: { description: "Changed." } },
    errors: { 403: "wrong_password: the current password is not correct." },
  },
  {
    method: "DELETE",
    path: "/api/session",
    operationId: "signOut",
    summary: "Sign out",
    description: "Ends the session and closes its live socket.",
    tag: "Session",
    auth: "session",
    responses: { 204: { description: "Signed out; the cookie is cleared." } },
  },
  {
    method: "POST",
    path: "/api/password-resets/accept",
    operationId: "acceptPasswordReset",
    summary: "Set a new password with an Owner-issued reset link, and sign in",
    description: "Ends every session of the user first.",
    tag: "Session",
    auth: "none",
    request: { body: PasswordResetAcceptBody },
    responses: { 200: { description: "Signed in with the new password.", schema: SessionResponse } },
    errors: { 404: "link_invalid: the link was used, revoked or has expired." },
  },

  // ---- conversations --------------------------------------------------------------------------
  {
    method: "GET",
    path: "/api/conversations",
    operationId: "listConversations",
    summary: "List conversations, newest activity first",
    description: "Filter by status, assignee (me, unassigned or a user id), team, channel or text; page with the opaque cursor.",
    tag: "Conversations",
    auth: "user",
    request: { query: ConversationListQuery },
    responses: { 200: { description: "One page of conversations.", schema: ConversationList } },
  },
  {
    method: "GET",
    path: "/api/conversations/{id}",
    operationId: "getConversation",
    summary: "One conversation: contact, channel, assignee, status, window end, lock holder",
    tag: "Conversations",
    auth: "user",
    request: { params: ConversationIdParams },
    responses: { 200: { description: "The conversation.", schema: ConversationDetail } },
    errors: { 404: "not_found: no such conversation (or not yours to see)." },
  },
  {
    method: "POST",
    path: "/api/conversations/{id}/read",
    operationId: "markConversationRead",
    summary: "Mark the conversation as read",
    tag: "Conversations",
    auth: "user",
    request: { params: ConversationIdParams },
    responses: { 200: { description: "The conversation, unread count reset.", schema: ConversationDetail } },
    errors: { 404: "not_found: no such conversation." },
  },

  // ---- messages -------------------------------------------------------------------------------
  {
    method: "GET",
    path: "/api/conversations/{id}/messages",
    operationId: "listMessages",
    summary: "Messages of a conversation, newest first",
    tag: "Messages",
    auth: "user",
    request: { params: ConversationIdParams, query: MessageListQuery },
    responses: { 200: { description: "One page of messages.", schema: MessageList } },
    errors: { 404: "not_found: no such conversation." },
  },
  {
    method: "POST",
    path: "/api/conversations/{id}/messages",
    operationId: "sendMessage",
    summary: "Reply with text or an approved template",
    description:
      "The message is written to the conversation's outbox before WhatsApp is called, then sent and retried until it is sent or fails for good. Free-form text needs an open 24-hour window; a template can be sent at any time.",
    tag: "Messages",
    auth: "user",
    request: { params: ConversationIdParams, headers: IdempotencyHeaders, body: SendMessageBody },
    responses: {
      201: {
        description:
          "Accepted: the message, queued or already sent. A retry with the same Idempotency-Key answers the first message again, with the header Idempotent-Replayed: true.",
        schema: SendMessageResponse,
      },
    },
    errors: {
      404: "not_found: no such conversation. Or template_not_found: no template with this name and language.",
      409: "locked: someone else is replying (the answer names the holder). Or idempotency_conflict: the Idempotency-Key was used for a different message.",
      422: "window_closed: the 24-hour window is closed; send a template. Or template_not_approved. Or template_parameters_mismatch: the template needs a different number of values.",
    },
  },

  // ---- templates ------------------------------------------------------------------------------
  {
    method: "GET",
    path: "/api/templates",
    operationId: "listTemplates",
    summary: "Approved message templates",
    tag: "Templates",
    auth: "user",
    responses: { 200: { description: "The templates that can be sent.", schema: TemplateList } },
  },

  // ---- live -----------------------------------------------------------------------------------
  {
    method: "GET",
    path: "/api/events",
    operationId: "liveEvents",
    summary: "Live events (WebSocket)",
    description: [
      "Upgrade to a WebSocket; the handshake's Origin must be this server's. The server sends JSON",
      'frames: first `{"type":"hello","userId"}`, then `message.created` / `message.updated` (with a',
      "Message) and `conversation.updated` (with a ConversationSummary), each with the conversation's",
      "`version`: apply them in order and refetch the conversation when a version is skipped. Send the",
      "text `ping` to get `pong`. Close code 4401 means the session ended: do not reconnect.",
    ].join(" "),
    tag: "Live",
    auth: "user",
    responses: { 101: { description: "Switching to the WebSocket protocol." } },
    errors: {
      403: "origin_refused: the handshake came from another site.",
      426: "upgrade_required: a plain HTTP request was sent.",
    },
  },

  // ---- users ----------------------------------------------------------------------------------
  {
    method: "GET",
    path: "/api/users",
    operationId: "listUsers",
    summary: "Every user of the workspace",
    tag: "Users",
    auth: "user",
    roles: MANAGERS,
    responses: { 200: { description: "The users, active and deactivated.", schema: UserList } },
  },
  {
    method: "GET",
    path: "/api/users/{id}",
    operationId: "getUser",
    summary: "One user",
    tag: "Users",
    auth: "user",
    roles: MANAGERS,
    request: { params: UserIdParams },
    responses: { 200: { description: "The user.", schema: UserResponse } },
    errors: { 404: "not_found: no such user." },
  },
  {
    method: "PATCH",
    path: "/api/users/{id}",
    operationId: "updateUser",
    summary: "Change a user's role, name or teams",
    description: "A Manager cannot change an Owner or make anyone an Owner; nobody changes their own role.",
    tag: "Users",
    auth: "user",
    roles: MANAGERS,
    request: { params: UserIdParams, body: UpdateUserBody },
    responses: { 200: { description: "The user, updated.", schema: UserResponse } },
    errors: { 404: "not_found: no such user.", 422: "own_role or last_owner: the change would leave the workspace without an Owner." },
  },
  {
    method: "POST",
    path: "/api/users/{id}/deactivate",
    operationId: "deactivateUser",
    summary: "Deactivate a user",
    description: "Ends all their sessions and live sockets at once; their open conversations go back to their team's queue.",
    tag: "Users",
    auth: "user",
    roles: MANAGERS,
    request: { params: UserIdParams },
    responses: { 200: { description: "The user, deactivated.", schema: UserResponse } },
    errors: { 404: "not_found: no such user.", 422: "deactivate_self or last_owner." },
  },
  {
    method: "POST",
    path: "/api/users/{id}/reactivate",
    operationId: "reactivateUser",
    summary: "Reactivate a user",
    tag: "Users",
    auth: "user",
    roles: MANAGERS,
    request: { params: UserIdParams },
    responses: { 200: { description: "The user, active again.", schema: UserResponse } },
    errors: { 404: "not_found: no such user." },
  },
  {
    method: "POST",
    path: "/api/users/{id}/password-reset",
    operationId: "createPasswordReset",
    summary: "Issue a password-reset link for a user",
    tag: "Users",
    auth: "user",
    roles: OWNER,
    request: { params: UserIdParams },
    responses: { 201: { description: "The single-use link to hand to the user.", schema: LinkResponse } },
    errors: { 404: "not_found: no such user." },
  },

  // ---- invitations ----------------------------------------------------------------------------
  {
    method: "GET",
    path: "/api/invitations",
    operationId: "listInvitations",
    summary: "Invitations and their state",
    tag: "Invitations",
    auth: "user",
    roles: MANAGERS,
    responses: { 200: { description: "The latest invitations.", schema: InvitationList } },
  },
  {
    method: "POST",
    path: "/api/invitations",
    operationId: "createInvitation",
    summary: "Invite someone by email with a role and teams",
    description: "Returns the link to copy. A Manager cannot invite an Owner. Links are single-use and expire after 7 days.",
    tag: "Invitations",
    auth: "user",
    roles: MANAGERS,
    request: { body: CreateInvitationBody },
    responses: { 201: { description: "The invitation and its link.", schema: CreatedInvitation } },
    errors: { 409: "email_taken: a user with this email exists." },
  },
  {
    method: "DELETE",
    path: "/api/invitations/{id}",
    operationId: "revokeInvitation",
    summary: "Revoke a pending invitation",
    tag: "Invitations",
    auth: "user",
    roles: MANAGERS,
    request: { params: InvitationIdParams },
    responses: { 204: { description: "Revoked." } },
    errors: { 404: "not_found: no pending invitation with this id." },
  },
  {
    method: "GET",
    path: "/api/invitations/lookup",
    operationId: "lookupInvitation",
    summary: "Whom an invitation link is for (the accept page)",
    tag: "Invitations",
    auth: "none",
    request: { query: InvitationLookupQuery },
    responses: { 200: { description: "The invited email and role.", schema: InvitationPreview } },
    errors: { 404: "invitation_invalid: the link was used, revoked or has expired." },
  },
  {
    method: "POST",
    path: "/api/invitations/accept",
    operationId: "acceptInvitation",
    summary: "Accept an invitation: choose a name and password, and sign in",
    tag: "Invitations",
    auth: "none",
    request: { body: AcceptInvitationBody },
    responses: { 201: { description: "The new user, signed in.", schema: SessionResponse } },
    errors: {
      404: "invitation_invalid: the link was used, revoked or has expired.",
      409: "email_taken: a user with this email exists.",
    },
  },

  // ---- teams ----------------------------------------------------------------------------------
  {
    method: "GET",
    path: "/api/teams",
    operationId: "listTeams",
    summary: "Teams and their members",
    tag: "Teams",
    auth: "user",
    roles: MANAGERS,
    responses: { 200: { description: "The teams.", schema: TeamList } },
  },
  {
    method: "POST",
    path: "/api/teams",
    operationId: "createTeam",
    summary: "Create a team",
    tag: "Teams",
    auth: "user",
    roles: MANAGERS,
    request: { body: CreateTeamBody },
    responses: { 201: { description: "The team.", schema: TeamResponse } },
    errors: { 409: "team_exists: a team with this name exists." },
  },
  {
    method: "PATCH",
    path: "/api/teams/{id}",
    operationId: "updateTeam",
    summary: "Rename a team or set its members",
    tag: "Teams",
    auth: "user",
    roles: MANAGERS,
    request: { params: TeamIdParams, body: UpdateTeamBody },
    responses: { 200: { description: "The team, updated.", schema: TeamResponse } },
    errors: { 404: "not_found: no such team.", 409: "team_exists: a team with this name exists." },
  },
  {
    method: "DELETE",
    path: "/api/teams/{id}",
    operationId: "deleteTeam",
    summary: "Delete a team",
    tag: "Teams",
    auth: "user",
    roles: MANAGERS,
    request: { params: TeamIdParams },
    responses: { 204: { description: "Deleted." } },
    errors: { 404: "not_found: no such team." },
  },

  // ---- API tokens -----------------------------------------------------------------------------
  {
    method: "GET",
    path: "/api/tokens",
    operationId: "listApiTokens",
    summary: "API tokens (never the secrets)",
    tag: "API tokens",
    auth: "user",
    roles: OWNER,
    responses: { 200: { description: "The tokens, with prefix and last use.", schema: ApiTokenList } },
  },
  {
    method: "POST",
    path: "/api/tokens",
    operationId: "createApiToken",
    summary: "Create a named API token with a role",
    description: "The token is in this answer only; it is stored hashed. Send it as `Authorization: Bearer <token>`.",
    tag: "API tokens",
    auth: "user",
    roles: OWNER,
    request: { body: CreateApiTokenBody },
    responses: { 201: { description: "The token, shown once.", schema: CreatedApiToken } },
  },
  {
    method: "DELETE",
    path: "/api/tokens/{id}",
    operationId: "revokeApiToken",
    summary: "Revoke an API token",
    tag: "API tokens",
    auth: "user",
    roles: OWNER,
    request: { params: TokenIdParams },
    responses: { 204: { description: "Revoked." } },
    errors: { 404: "not_found: no active token with this id." },
  },

  // ---- audit log & settings -------------------------------------------------------------------
  {
    method: "GET",
    path: "/api/audit-log",
    operationId: "listAuditLog",
    summary: "Who did what, when, from where",
    tag: "Audit log",
    auth: "user",
    roles: OWNER,
    request: { query: AuditQuery },
    responses: { 200: { description: "One page of entries, newest first.", schema: AuditList } },
  },
  {
    method: "GET",
    path: "/api/settings",
    operationId: "getSettings",
    summary: "Workspace settings",
    tag: "Settings",
    auth: "user",
    responses: { 200: { description: "The settings.", schema: SettingsResponse } },
  },
  {
    method: "PATCH",
    path: "/api/settings",
    operationId: "updateSettings",
    summary: "Change workspace settings",
    tag: "Settings",
    auth: "user",
    roles: OWNER,
    request: { body: UpdateSettingsBody },
    responses: { 200: { description: "The settings, updated.", schema: SettingsResponse } },
  },

  // ---- Meta webhooks --------------------------------------------------------------------------
  {
    method: "GET",
    path: "/webhooks/whatsapp",
    operationId: "verifyWhatsAppWebhook",
    summary: "Meta's webhook verification handshake",
    description: "Answers hub.challenge as plain text when hub.verify_token equals WHATSAPP_VERIFY_TOKEN.",
    tag: "Webhooks",
    auth: "verify_token",
    request: { query: WebhookHandshakeQuery },
    responses: { 200: { description: "The challenge, echoed.", content: { mediaType: "text/plain", description: "hub.challenge" } } },
    errors: { 403: "verification_failed: hub.mode is not subscribe or the verify token does not match." },
  },
  {
    method: "POST",
    path: "/webhooks/whatsapp",
    operationId: "receiveWhatsAppWebhook",
    summary: "Meta's events: messages and statuses",
    description:
      "Signed by Meta with X-Hub-Signature-256. Answers 200 only after every message and status of the batch is stored; Meta retries anything else.",
    tag: "Webhooks",
    auth: "webhook_signature",
    request: { headers: WebhookSignatureHeaders, body: WebhookEnvelope },
    responses: {
      200: {
        description: "Every item of the batch is stored (duplicates are dropped).",
        content: { mediaType: "application/json", description: "A summary: how many items were received and routed." },
      },
    },
    errors: {
      400: "invalid_json or invalid_payload: signed, but not a webhook Chorus can read (the message says why).",
      413: "payload_too_large: the body is larger than Meta ever sends (1 MB).",
      503: "webhook_secret_missing: WHATSAPP_APP_SECRET is not set, so nothing is accepted.",
    },
  },

  // ---- this documentation ---------------------------------------------------------------------
  {
    method: "GET",
    path: "/api/openapi.json",
    operationId: "getOpenApiDocument",
    summary: "This API as OpenAPI 3.1",
    tag: "Documentation",
    auth: "none",
    responses: {
      200: { description: "The OpenAPI document.", content: { mediaType: "application/json", description: "OpenAPI 3.1" } },
    },
  },
  {
    method: "GET",
    path: "/api/docs",
    operationId: "getApiDocs",
    summary: "This API, browsable",
    tag: "Documentation",
    auth: "none",
    responses: { 200: { description: "An HTML page rendering /api/openapi.json.", content: { mediaType: "text/html" } } },
  },
  ...collaborationRoutes,
  ...inboxRoutes,
  ...reportsRoutes,
  ...whatsappRoutes,
];

export const tagDescriptions: Record<Tag, string> = {
  Setup: "First run: create the Owner.",
  Session: "Sign in and out; your own profile and password.",
  Conversations: "Customer threads: one per WhatsApp customer and business number.",
  Messages: "What was said in a conversation, and replying.",
  Templates: "Meta-approved templates, sendable outside the 24-hour window.",
  Live: "Server-pushed events over a WebSocket.",
  Users: "Owners and Managers manage the people of the workspace.",
  Invitations: "Bring someone in with a role and teams.",
  Teams: "Groups of agents; agents see their teams' unassigned conversations.",
  "API tokens": "Credentials for integrations (Owner only).",
  "Audit log": "Sign-ins, invitations, role changes, token changes and more (Owner only).",
  Settings: "Workspace-wide settings.",
  Webhooks: "Called by Meta, not by you.",
  Documentation: "This document.",
  ...collaborationTagDescriptions,
  ...inboxTagDescriptions,
  ...reportsTagDescriptions,
  ...whatsappTagDescriptions,
};
