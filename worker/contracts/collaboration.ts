/**
 * API shapes for collaboration (issue 4): labels, quick replies, the notification centre, saved
 * views and search. The Worker validates with these; the web app infers its types from them.
 * Times are epoch milliseconds.
 */
import * as v from "valibot";
import { ConversationStatus, ConversationSummary } from "./api";
import { SHORTCUT_PATTERN } from "./quick-reply-render";

const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(64));
const Limit = v.pipe(v.string(), v.regex(/^\d{1,3}$/, "limit is a number from 1 to 100"));
const Cursor = v.pipe(v.string(), v.maxLength(200));

// ---- labels ------------------------------------------------------------------------------------

const LabelName = v.pipe(v.string(), v.trim(), v.minLength(1, "Enter a label name."), v.maxLength(50, "Use at most 50 characters."));
/** A colour as #rrggbb (stored lowercase). */
const LabelColor = v.pipe(
  v.string(),
  v.trim(),
  v.regex(/^#[0-9a-fA-F]{6}$/, "Use a colour like #1f8a70."),
  v.toLowerCase(),
);

export const Label = v.object({ id: v.string(), name: v.string(), color: v.string() });
export type Label = v.InferOutput<typeof Label>;
export const LabelList = v.object({ labels: v.array(Label) });
export const LabelResponse = v.object({ label: Label });
export const CreateLabelBody = v.strictObject({ name: LabelName, color: LabelColor });
export const UpdateLabelBody = v.strictObject({ name: v.optional(LabelName), color: v.optional(LabelColor) });

/** The labels on one thread. */
export const ConversationLabels = v.object({ conversationId: v.string(), labels: v.array(Label) });
export type ConversationLabels = v.InferOutput<typeof ConversationLabels>;
/** Replace the thread's labels with exactly these. */
export const SetConversationLabelsBody = v.strictObject({
  labelIds: v.pipe(v.array(Id), v.maxLength(50, "A thread can carry at most 50 labels.")),
});
export const AddConversationLabelBody = v.strictObject({ labelId: Id });

// ---- quick replies -----------------------------------------------------------------------------

const Shortcut = v.pipe(
  v.string(),
  v.trim(),
  v.regex(SHORTCUT_PATTERN, "Use 1–32 lowercase letters, digits, _ or - (no slash)."),
);
const QuickReplyText = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, "Write the reply."),
  v.maxLength(4096, "A WhatsApp message has at most 4096 characters."),
  v.description(
    "The reply, with optional variables {{contact.name}}, {{contact.first_name}}, {{contact.phone}}, {{agent.name}}, {{agent.first_name}} and a fallback after a bar: {{contact.first_name | there}}. Unknown variables are refused (400).",
  ),
);

export const QuickReply = v.object({
  id: v.string(),
  shortcut: v.string(),
  text: v.string(),
  /** Shared with the workspace (true) or personal (false). */
  shared: v.boolean(),
  createdAt: v.number(),
  updatedAt: v.number(),
});
export type QuickReply = v.InferOutput<typeof QuickReply>;
export const QuickReplyList = v.object({ quickReplies: v.array(QuickReply) });
export const QuickReplyResponse = v.object({ quickReply: QuickReply });
export const QuickReplyListQuery = v.object({
  /** Shortcut prefix or words of the text, as typed after the slash. */
  q: v.optional(v.pipe(v.string(), v.maxLength(100))),
});
export const CreateQuickReplyBody = v.strictObject({
  shortcut: Shortcut,
  text: QuickReplyText,
  /** Shared with everyone (Owner and Manager only); personal by default. */
  shared: v.optional(v.boolean(), false),
});
export const UpdateQuickReplyBody = v.strictObject({ shortcut: v.optional(Shortcut), text: v.optional(QuickReplyText) });

// ---- notifications -----------------------------------------------------------------------------

/** window_closing (issue 5): the 24-hour window of a conversation the user holds closes soon. */
export const NotificationKind = v.picklist(["assigned", "mentioned", "new_message", "window_closing"]);
export type NotificationKind = v.InferOutput<typeof NotificationKind>;

export const Notification = v.object({
  id: v.string(),
  kind: NotificationKind,
  conversationId: v.string(),
  /** The internal note that mentioned the user (kind "mentioned"), else null. */
  noteId: v.nullable(v.string()),
  /** Who caused it (null: the customer or the system). */
  actor: v.nullable(v.object({ id: v.string(), name: v.string() })),
  /** A short plain-text excerpt (the message, the note…). */
  preview: v.string(),
  /** The thread's contact, to say whose conversation it is. */
  contactName: v.nullable(v.string()),
  createdAt: v.number(),
  readAt: v.nullable(v.number()),
});
export type Notification = v.InferOutput<typeof Notification>;

export const NotificationListQuery = v.object({
  cursor: v.optional(Cursor),
  limit: v.optional(Limit),
  /** "true": unread ones only. */
  unread: v.optional(v.picklist(["true", "false"])),
});
export const NotificationList = v.object({
  notifications: v.array(Notification),
  unreadCount: v.number(),
  nextCursor: v.nullable(v.string()),
});
export const MarkNotificationsReadBody = v.union([
  v.strictObject({ ids: v.pipe(v.array(Id), v.minLength(1, "Name at least one notification."), v.maxLength(200)) }),
  v.strictObject({ all: v.literal(true) }),
]);
export const MarkNotificationsReadResponse = v.object({ unreadCount: v.number() });

// ---- saved views -------------------------------------------------------------------------------

export const WindowState = v.picklist(["open", "closed"]);

/** A filter set for the inbox; every field optional (an empty set is "everything I may see"). */
export const ViewFilters = v.strictObject({
  status: v.optional(ConversationStatus),
  /** "me", "unassigned" or a user id. */
  assignee: v.optional(Id),
  team: v.optional(Id),
  channel: v.optional(Id),
  label: v.optional(Id),
  /** The 24-hour customer-service window. */
  window: v.optional(WindowState),
  unread: v.optional(v.boolean()),
  q: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(200))),
});
export type ViewFilters = v.InferOutput<typeof ViewFilters>;

const ViewName = v.pipe(v.string(), v.trim(), v.minLength(1, "Enter a name."), v.maxLength(60, "Use at most 60 characters."));

export const SavedView = v.object({
  id: v.string(),
  name: v.string(),
  filters: ViewFilters,
  createdAt: v.number(),
  updatedAt: v.number(),
});
export type SavedView = v.InferOutput<typeof SavedView>;
export const SavedViewList = v.object({ views: v.array(SavedView) });
export const SavedViewResponse = v.object({ view: SavedView });
export const CreateSavedViewBody = v.strictObject({ name: ViewName, filters: v.optional(ViewFilters, {}) });
export const UpdateSavedViewBody = v.strictObject({ name: v.optional(ViewName), filters: v.optional(ViewFilters) });

// ---- search ------------------------------------------------------------------------------------

export const SearchQuery = v.object({
  q: v.pipe(v.string(), v.trim(), v.minLength(1, "Type something to search for."), v.maxLength(200)),
  status: v.optional(ConversationStatus),
  assignee: v.optional(Id),
  team: v.optional(Id),
  channel: v.optional(Id),
  label: v.optional(Id),
  window: v.optional(WindowState),
  unread: v.optional(v.picklist(["true", "false"])),
  cursor: v.optional(Cursor),
  limit: v.optional(Limit),
});

/** A stretch of a matching message, with where the query matched (UTF-16 offsets into `text`). */
export const SearchSnippet = v.object({
  messageId: v.string(),
  text: v.string(),
  highlights: v.array(v.object({ start: v.number(), end: v.number() })),
  createdAt: v.number(),
});
export type SearchSnippet = v.InferOutput<typeof SearchSnippet>;

export const SearchHit = v.object({
  conversation: ConversationSummary,
  /** Up to three matching messages or notes, newest first (empty when only the contact matched). */
  snippets: v.array(SearchSnippet),
  /** The contact's name, username or number matched. */
  contactMatched: v.boolean(),
});
export type SearchHit = v.InferOutput<typeof SearchHit>;
export const SearchResponse = v.object({ results: v.array(SearchHit), nextCursor: v.nullable(v.string()) });

// ---- live events -------------------------------------------------------------------------------

/**
 * Live events of the collaboration features, sent over the same socket as LiveEvent but only to
 * the users they concern (Hub.publishToUsers): a user's own notifications, and a thread's labels
 * to the people who may see that thread. A client that does not know a `type` ignores it.
 */
export type CollaborationEvent =
  | { type: "notification.created"; notification: Notification; unreadCount: number }
  | { type: "notifications.read"; ids: string[] | "all"; unreadCount: number }
  | { type: "conversation.labels"; conversationId: string; labels: Label[] };
