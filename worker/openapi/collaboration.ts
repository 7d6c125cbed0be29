/**
 * Registry entries for the collaboration routes (issue 4): labels, thread labels, quick replies,
 * notifications, saved views and search. Spread into `routes` by worker/openapi/registry.ts;
 * schemas come from worker/contracts/collaboration.ts, never restated.
 */
import * as v from "valibot";
import {
  AddConversationLabelBody,
  ConversationLabels,
  CreateLabelBody,
  CreateQuickReplyBody,
  CreateSavedViewBody,
  LabelList,
  LabelResponse,
  MarkNotificationsReadBody,
  MarkNotificationsReadResponse,
  NotificationList,
  NotificationListQuery,
  QuickReplyList,
  QuickReplyListQuery,
  QuickReplyResponse,
  SavedViewList,
  SavedViewResponse,
  SearchQuery,
  SearchResponse,
  SetConversationLabelsBody,
  UpdateLabelBody,
  UpdateQuickReplyBody,
  UpdateSavedViewBody,
} from "../contracts/collaboration";
import type { Role } from "../env";
import type { RouteDoc } from "./registry";

export type CollaborationTag = "Labels" | "Quick replies" | "Notifications" | "Saved views" | "Search";

export const collaborationTagDescriptions: Record<CollaborationTag, string> = {
  Labels: "Coloured labels on conversations; Owners and Managers keep the list.",
  "Quick replies": "Canned answers typed as /shortcut, personal or shared, with {{variables}}.",
  Notifications: "Assigned to me, mentioned in a note, new message in my conversations.",
  "Saved views": "Your named inbox filters.",
  Search: "Full-text search over message and note text, contact names and numbers.",
};

const id = (what: string) => v.pipe(v.string(), v.maxLength(64), v.description(`The ${what} id.`));
const LabelIdParams = v.object({ id: id("label (lbl_…)") });
const ConversationIdParams = v.object({ id: id("conversation (cnv_…)") });
const ConversationLabelParams = v.object({ id: id("conversation (cnv_…)"), labelId: id("label (lbl_…)") });
const QuickReplyIdParams = v.object({ id: id("quick reply (qr_…)") });
const ViewIdParams = v.object({ id: id("saved view (view_…)") });

const MANAGERS: readonly Role[] = ["owner", "manager"];
const HIDDEN_CONVERSATION = "not_found: no such conversation (or not yours to see).";

export const collaborationRoutes: readonly RouteDoc[] = [
  // ---- labels ---------------------------------------------------------------------------------
  {
    method: "GET",
    path: "/api/labels",
    operationId: "listLabels",
    summary: "Every label, by name",
    tag: "Labels",
    auth: "user",
    responses: { 200: { description: "The workspace's labels.", schema: LabelList } },
  },
  {
    method: "POST",
    path: "/api/labels",
    operationId: "createLabel",
    summary: "Create a label",
    tag: "Labels",
    auth: "user",
    roles: MANAGERS,
    request: { body: CreateLabelBody },
    responses: { 201: { description: "The new label.", schema: LabelResponse } },
    errors: { 409: "label_exists: a label with this name (in any case) exists." },
  },
  {
    method: "PATCH",
    path: "/api/labels/{id}",
    operationId: "updateLabel",
    summary: "Rename or recolour a label",
    tag: "Labels",
    auth: "user",
    roles: MANAGERS,
    request: { params: LabelIdParams, body: UpdateLabelBody },
    responses: { 200: { description: "The label.", schema: LabelResponse } },
    errors: { 404: "not_found: no such label.", 409: "label_exists: another label has this name." },
  },
  {
    method: "DELETE",
    path: "/api/labels/{id}",
    operationId: "deleteLabel",
    summary: "Delete a label (it leaves every conversation)",
    tag: "Labels",
    auth: "user",
    roles: MANAGERS,
    request: { params: LabelIdParams },
    responses: { 204: { description: "Deleted." } },
    errors: { 404: "not_found: no such label." },
  },
  {
    method: "GET",
    path: "/api/conversations/{id}/labels",
    operationId: "listConversationLabels",
    summary: "The labels on a conversation",
    tag: "Labels",
    auth: "user",
    request: { params: ConversationIdParams },
    responses: { 200: { description: "Its labels, by name.", schema: ConversationLabels } },
    errors: { 404: HIDDEN_CONVERSATION },
  },
  {
    method: "PUT",
    path: "/api/conversations/{id}/labels",
    operationId: "setConversationLabels",
    summary: "Replace the labels on a conversation",
    description: "Anyone who may see the conversation. Pushed live as conversation.labels to everyone who may see it.",
    tag: "Labels",
    auth: "user",
    request: { params: ConversationIdParams, body: SetConversationLabelsBody },
    responses: { 200: { description: "Its labels now.", schema: ConversationLabels } },
    errors: { 404: HIDDEN_CONVERSATION },
  },
  {
    method: "POST",
    path: "/api/conversations/{id}/labels",
    operationId: "addConversationLabel",
    summary: "Add one label to a conversation (no change when it is there already)",
    tag: "Labels",
    auth: "user",
    request: { params: ConversationIdParams, body: AddConversationLabelBody },
    responses: { 200: { description: "Its labels now.", schema: ConversationLabels } },
    errors: { 404: HIDDEN_CONVERSATION },
  },
  {
    method: "DELETE",
    path: "/api/conversations/{id}/labels/{labelId}",
    operationId: "removeConversationLabel",
    summary: "Take one label off a conversation (no change when it is not there)",
    tag: "Labels",
    auth: "user",
    request: { params: ConversationLabelParams },
    responses: { 200: { description: "Its labels now.", schema: ConversationLabels } },
    errors: { 404: HIDDEN_CONVERSATION },
  },

  // ---- quick replies --------------------------------------------------------------------------
  {
    method: "GET",
    path: "/api/quick-replies",
    operationId: "listQuickReplies",
    summary: "My personal quick replies and the shared ones",
    description: "By shortcut; for the same shortcut the personal one comes first.",
    tag: "Quick replies",
    auth: "user",
    request: { query: QuickReplyListQuery },
    responses: { 200: { description: "Quick replies.", schema: QuickReplyList } },
  },
  {
    method: "POST",
    path: "/api/quick-replies",
    operationId: "createQuickReply",
    summary: "Create a quick reply (shared: Owner and Manager only)",
    tag: "Quick replies",
    auth: "user",
    request: { body: CreateQuickReplyBody },
    responses: { 201: { description: "The new quick reply.", schema: QuickReplyResponse } },
    errors: {
      403: "forbidden: only an Owner or a Manager creates shared replies; an API token keeps no personal ones.",
      409: "shortcut_taken: the shortcut is used in this scope (yours, or shared).",
    },
  },
  {
    method: "PATCH",
    path: "/api/quick-replies/{id}",
    operationId: "updateQuickReply",
    summary: "Change a quick reply (your own, or a shared one as Owner or Manager)",
    tag: "Quick replies",
    auth: "user",
    request: { params: QuickReplyIdParams, body: UpdateQuickReplyBody },
    responses: { 200: { description: "The quick reply.", schema: QuickReplyResponse } },
    errors: {
      403: "forbidden: only an Owner or a Manager changes shared replies.",
      404: "not_found: no such quick reply (someone else's personal ones included).",
      409: "shortcut_taken: the shortcut is used in this scope.",
    },
  },
  {
    method: "DELETE",
    path: "/api/quick-replies/{id}",
    operationId: "deleteQuickReply",
    summary: "Delete a quick reply (your own, or a shared one as Owner or Manager)",
    tag: "Quick replies",
    auth: "user",
    request: { params: QuickReplyIdParams },
    responses: { 204: { description: "Deleted." } },
    errors: {
      403: "forbidden: only an Owner or a Manager deletes shared replies.",
      404: "not_found: no such quick reply.",
    },
  },

  // ---- notifications --------------------------------------------------------------------------
  {
    method: "GET",
    path: "/api/notifications",
    operationId: "listNotifications",
    summary: "My notifications, newest first, with the unread count",
    description: "New ones also arrive live on GET /api/events as notification.created.",
    tag: "Notifications",
    auth: "user",
    request: { query: NotificationListQuery },
    responses: { 200: { description: "One page of notifications.", schema: NotificationList } },
  },
  {
    method: "POST",
    path: "/api/notifications/read",
    operationId: "markNotificationsRead",
    summary: "Mark some ({ids}) or all ({all: true}) of my notifications read",
    description: "Ids of someone else's notifications change nothing. Pushed live as notifications.read to my other tabs.",
    tag: "Notifications",
    auth: "user",
    request: { body: MarkNotificationsReadBody },
    responses: { 200: { description: "The unread count now.", schema: MarkNotificationsReadResponse } },
  },

  // ---- saved views ----------------------------------------------------------------------------
  {
    method: "GET",
    path: "/api/views",
    operationId: "listSavedViews",
    summary: "My saved views, by name",
    tag: "Saved views",
    auth: "user",
    responses: { 200: { description: "Saved views.", schema: SavedViewList } },
  },
  {
    method: "POST",
    path: "/api/views",
    operationId: "createSavedView",
    summary: "Save a named filter set",
    tag: "Saved views",
    auth: "user",
    request: { body: CreateSavedViewBody },
    responses: { 201: { description: "The new view.", schema: SavedViewResponse } },
    errors: {
      403: "forbidden: an API token keeps no views.",
      409: "view_exists: you have a view with this name. Or too_many_views: at most 100.",
    },
  },
  {
    method: "PATCH",
    path: "/api/views/{id}",
    operationId: "updateSavedView",
    summary: "Rename a view or replace its filters",
    tag: "Saved views",
    auth: "user",
    request: { params: ViewIdParams, body: UpdateSavedViewBody },
    responses: { 200: { description: "The view.", schema: SavedViewResponse } },
    errors: { 404: "not_found: no such view of yours.", 409: "view_exists: you have a view with this name." },
  },
  {
    method: "DELETE",
    path: "/api/views/{id}",
    operationId: "deleteSavedView",
    summary: "Delete a view",
    tag: "Saved views",
    auth: "user",
    request: { params: ViewIdParams },
    responses: { 204: { description: "Deleted." } },
    errors: { 404: "not_found: no such view of yours." },
  },

  // ---- search ---------------------------------------------------------------------------------
  {
    method: "GET",
    path: "/api/search",
    operationId: "search",
    summary: "Search conversations by message and note text, contact name, username or number",
    description:
      "Words and \"quoted phrases\" must all appear in one message (partial words and Japanese without spaces match). Only conversations you may see; the inbox filters apply; newest activity first, paged with the opaque cursor.",
    tag: "Search",
    auth: "user",
    request: { query: SearchQuery },
    responses: { 200: { description: "Matching conversations with up to three snippets each.", schema: SearchResponse } },
  },
];
