/**
 * Registry entries for the inbox routes of issue 4: view counts, assignment (one, claim, bulk),
 * status, internal notes, and the automatic-assignment policies. Spread into `routes` by
 * worker/openapi/registry.ts; schemas come from worker/contracts/api.ts, never restated.
 */
import * as v from "valibot";
import {
  AssignmentBody,
  AssignmentPolicyList,
  BulkAssignmentBody,
  BulkAssignmentResponse,
  ChannelAssignmentPolicyBody,
  ChannelAssignmentPolicyResponse,
  ConversationCounts,
  ConversationCountsQuery,
  ConversationResponse,
  NoteBody,
  NoteResponse,
  StatusBody,
  TeamAssignmentPolicyBody,
  TeamAssignmentPolicyResponse,
} from "../contracts/api";
import type { Role } from "../env";
import type { RouteDoc } from "./registry";

export type InboxTag = "Assignment";

export const inboxTagDescriptions: Record<InboxTag, string> = {
  Assignment:
    "Who holds a conversation (and its reply lock), and how new conversations are assigned automatically: manual, round-robin or fewest open, with a per-agent capacity.",
};

const id = (what: string) => v.pipe(v.string(), v.maxLength(64), v.description(`The ${what} id.`));
const ConversationIdParams = v.object({ id: id("conversation (cnv_…)") });
const TeamParams = v.object({ teamId: id("team") });
const ChannelParams = v.object({ channelId: id("channel (chn_…)") });

const MANAGERS: readonly Role[] = ["owner", "manager"];
const OWNER: readonly Role[] = ["owner"];
const HIDDEN_CONVERSATION = "not_found: no such conversation (or not yours to see).";

export const inboxRoutes: readonly RouteDoc[] = [
  {
    method: "GET",
    path: "/api/conversations/counts",
    operationId: "countConversations",
    summary: "How many conversations each inbox view holds",
    description:
      "Mine, unassigned, my teams and all (null for an Agent unless agents may see every conversation), over conversations in `status` (default open), plus the caller's unread mentions.",
    tag: "Conversations",
    auth: "user",
    request: { query: ConversationCountsQuery },
    responses: { 200: { description: "The counts.", schema: ConversationCounts } },
  },
  {
    method: "POST",
    path: "/api/conversations/{id}/assignment",
    operationId: "assignConversation",
    summary: "Assign, reassign or unassign a conversation",
    description:
      "{userId} assigns to an active user (the team is kept); {teamId} puts it in a team's queue with nobody holding it (automatic assignment may then pick someone); {userId, teamId} both (the user must be a member); {} unassigns; teamId null removes the team. An Agent may only take a conversation nobody holds (userId = themselves) or let go of their own. Recorded in the conversation as an activity item and pushed live; a reassignment is audit-logged.",
    tag: "Assignment",
    auth: "user",
    request: { params: ConversationIdParams, body: AssignmentBody },
    responses: { 200: { description: "The conversation after the change.", schema: ConversationResponse } },
    errors: {
      403: "forbidden: an Agent assigning someone else, reassigning, or moving teams.",
      404: HIDDEN_CONVERSATION,
      409: "locked: someone else holds it (the answer names the holder).",
      422: "invalid_assignee: not an active user. Or invalid_team: no such team. Or not_team_member: the user is not in the team.",
    },
  },
  {
    method: "POST",
    path: "/api/conversations/{id}/claim",
    operationId: "claimConversation",
    summary: "Take a conversation: it becomes yours",
    description: "For an Agent only when nobody holds it; a Manager or Owner takes it over from its holder (audit-logged).",
    tag: "Assignment",
    auth: "user",
    request: { params: ConversationIdParams },
    responses: { 200: { description: "The conversation, now yours.", schema: ConversationResponse } },
    errors: { 404: HIDDEN_CONVERSATION, 409: "locked: someone else holds it (the answer names the holder)." },
  },
  {
    method: "POST",
    path: "/api/conversations/bulk-assignment",
    operationId: "bulkAssignConversations",
    summary: "Assign up to 100 conversations at once",
    description:
      "The same rules as one at a time, each decided by its conversation: the answer has one result per id, in order, each ok with the conversation or an error (not_found, locked, forbidden).",
    tag: "Assignment",
    auth: "user",
    request: { body: BulkAssignmentBody },
    responses: { 200: { description: "One result per conversation id.", schema: BulkAssignmentResponse } },
    errors: { 422: "invalid_assignee, invalid_team or not_team_member (for the whole request)." },
  },
  {
    method: "POST",
    path: "/api/conversations/{id}/status",
    operationId: "setConversationStatus",
    summary: "Open, pend, snooze or close a conversation",
    description:
      "snoozed needs `until` (epoch ms, future): the conversation wakes then, or when the customer writes. closed takes an optional closing note and category; a customer writing to a closed conversation reopens it as a new episode. An Agent may change the status of a conversation they hold or nobody holds.",
    tag: "Conversations",
    auth: "user",
    request: { params: ConversationIdParams, body: StatusBody },
    responses: { 200: { description: "The conversation after the change.", schema: ConversationResponse } },
    errors: {
      404: HIDDEN_CONVERSATION,
      409: "locked: someone else holds it.",
      422: "snooze_in_past: `until` is not in the future.",
    },
  },
  {
    method: "POST",
    path: "/api/conversations/{id}/notes",
    operationId: "addNote",
    summary: "Add an internal note (never sent to the customer)",
    description: "@Name, @\"Full Name\" and @Team mention people; those who may open the conversation are notified.",
    tag: "Messages",
    auth: "user",
    request: { params: ConversationIdParams, body: NoteBody },
    responses: { 201: { description: "The note, as a thread item of type note.", schema: NoteResponse } },
    errors: { 404: HIDDEN_CONVERSATION },
  },
  {
    method: "GET",
    path: "/api/assignment-policies",
    operationId: "listAssignmentPolicies",
    summary: "Every team's and channel's automatic-assignment policy",
    tag: "Assignment",
    auth: "user",
    roles: MANAGERS,
    responses: { 200: { description: "Teams and channels, each with its strategy (manual when never set).", schema: AssignmentPolicyList } },
  },
  {
    method: "PUT",
    path: "/api/assignment-policies/teams/{teamId}",
    operationId: "setTeamAssignmentPolicy",
    summary: "Set how a team's conversations are assigned",
    description:
      "round_robin: online members in turn; fewest_open: the online member with the fewest open conversations; manual: nobody is picked. `capacity` caps each member's open conversations (null: no cap). Waiting conversations are offered again at once.",
    tag: "Assignment",
    auth: "user",
    roles: MANAGERS,
    request: { params: TeamParams, body: TeamAssignmentPolicyBody },
    responses: { 200: { description: "The team's policy.", schema: TeamAssignmentPolicyResponse } },
    errors: { 404: "not_found: no such team." },
  },
  {
    method: "PUT",
    path: "/api/assignment-policies/channels/{channelId}",
    operationId: "setChannelAssignmentPolicy",
    summary: "Set a channel's default team and how its team-less conversations are assigned",
    tag: "Assignment",
    auth: "user",
    roles: OWNER,
    request: { params: ChannelParams, body: ChannelAssignmentPolicyBody },
    responses: { 200: { description: "The channel's policy.", schema: ChannelAssignmentPolicyResponse } },
    errors: { 404: "not_found: no such channel.", 422: "invalid_team: no such team." },
  },
];
