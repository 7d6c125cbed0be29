/**
 * The REST API's shapes, in one place: the Worker validates with these, the web app infers its
 * types from them, and /api/openapi.json is generated from them. Times are epoch milliseconds.
 */
import * as v from "valibot";
import { TemplateSendExtras } from "../whatsapp/template-send";
import { MessageContent, Reaction, RichSendBodies } from "./whatsapp";

export const ErrorBody = v.object({
  error: v.object({
    code: v.pipe(v.string(), v.description("snake_case machine code, e.g. window_closed")),
    message: v.pipe(v.string(), v.description("A sentence a person can read")),
  }),
});

export const Role = v.picklist(["owner", "manager", "agent"]);
export type Role = v.InferOutput<typeof Role>;

const Email = v.pipe(v.string(), v.trim(), v.toLowerCase(), v.email("Enter a valid email address."), v.maxLength(254));
const Password = v.pipe(
  v.string(),
  v.minLength(10, "The password must have at least 10 characters."),
  v.maxLength(256, "The password must have at most 256 characters."),
);
const Name = v.pipe(v.string(), v.trim(), v.minLength(1, "Enter a name."), v.maxLength(100));

// ---- setup & session -------------------------------------------------------------------------

export const SetupBody = v.object({ name: Name, email: Email, password: Password });
export type SetupBody = v.InferOutput<typeof SetupBody>;

export const SignInBody = v.object({
  email: Email,
  password: v.pipe(v.string(), v.minLength(1, "Enter your password."), v.maxLength(256)),
});
export type SignInBody = v.InferOutput<typeof SignInBody>;

export const User = v.object({
  id: v.string(),
  name: v.string(),
  email: v.string(),
  role: Role,
  language: v.nullable(v.string()),
  teams: v.array(v.object({ id: v.string(), name: v.string() })),
  /** online | away | offline (set by the person; automatic assignment reads it). */
  availability: v.optional(v.picklist(["online", "away", "offline"])),
});
export type User = v.InferOutput<typeof User>;

export const SessionResponse = v.object({ user: User });
export const SetupStatus = v.object({ needsSetup: v.boolean() });

// ---- conversations ---------------------------------------------------------------------------

export const ConversationStatus = v.picklist(["open", "pending", "snoozed", "closed"]);
export type ConversationStatus = v.InferOutput<typeof ConversationStatus>;

export const ContactRef = v.object({
  id: v.string(),
  name: v.nullable(v.string()),
  /** Phone number as Meta's wa_id (digits, no +), null for a username-only customer. */
  waId: v.nullable(v.string()),
  /** Business-scoped user id (Meta 2026), when known. */
  userId: v.nullable(v.string()),
  username: v.nullable(v.string()),
});
export type ContactRef = v.InferOutput<typeof ContactRef>;

export const ChannelRef = v.object({
  id: v.string(),
  phoneNumberId: v.string(),
  displayPhoneNumber: v.nullable(v.string()),
  name: v.nullable(v.string()),
});
export type ChannelRef = v.InferOutput<typeof ChannelRef>;
/** GET /api/channels/directory: every number's id, name and phone, for anyone signed in (issue 5). */
export const ChannelDirectory = v.object({ channels: v.array(ChannelRef) });

export const MessageDirection = v.picklist(["in", "out"]);
/** A thread item's direction: to or from the customer, or "internal" (notes, activity: never sent). */
export const ItemDirection = v.picklist(["in", "out", "internal"]);
export const MessageStatus = v.picklist(["received", "queued", "sent", "delivered", "read", "played", "failed"]);
export type MessageStatus = v.InferOutput<typeof MessageStatus>;

export const ConversationSummary = v.object({
  id: v.string(),
  channelId: v.string(),
  contact: ContactRef,
  status: ConversationStatus,
  assigneeId: v.nullable(v.string()),
  assigneeName: v.nullable(v.string()),
  lastMessageAt: v.nullable(v.number()),
  lastMessagePreview: v.nullable(v.string()),
  lastMessageDirection: v.nullable(MessageDirection),
  unreadCount: v.number(),
  /** When the 24-hour customer-service window closes (null: never opened). */
  windowEndsAt: v.nullable(v.number()),
  /** Increases with every change of this thread; live events carry it. */
  version: v.number(),
  /**
   * The team whose queue the thread is in (set by assignment to a team or by the channel's default
   * team); null: no team. Always present in answers of /api/conversations and in live events.
   */
  teamId: v.optional(v.nullable(v.string())),
  teamName: v.optional(v.nullable(v.string())),
  /** 1 for a new thread, +1 each time the customer writes to a closed thread (reports count episodes). */
  episode: v.optional(v.number()),
  /** While snoozed: when it wakes up (the thread also wakes when the customer writes). */
  snoozedUntil: v.optional(v.nullable(v.number())),
  /**
   * Issue 5: the thread began from a click-to-WhatsApp ad or post and was answered within 24 hours:
   * until this time every message (templates included) is free. Present only while known.
   */
  freeEntryEndsAt: v.optional(v.nullable(v.number())),
});
export type ConversationSummary = v.InferOutput<typeof ConversationSummary>;

export const ConversationDetail = v.object({
  ...ConversationSummary.entries,
  channel: ChannelRef,
  /** Who may reply right now (the reply lock); null when nobody holds it. */
  lockHolder: v.nullable(v.object({ id: v.string(), name: v.string() })),
});
export type ConversationDetail = v.InferOutput<typeof ConversationDetail>;

export const ConversationList = v.object({
  conversations: v.array(ConversationSummary),
  nextCursor: v.nullable(v.string()),
});

/**
 * The inbox views: mine (assigned to me), unassigned (visible to me, nobody holds them), my_teams
 * (in one of my teams' queues), all (Owner, Manager, or an Agent when agents may see all).
 */
export const ConversationView = v.picklist(["mine", "unassigned", "my_teams", "all"]);
export type ConversationView = v.InferOutput<typeof ConversationView>;

export const ConversationListQuery = v.object({
  view: v.optional(ConversationView),
  status: v.optional(ConversationStatus),
  assignee: v.optional(v.pipe(v.string(), v.maxLength(64))),
  team: v.optional(v.pipe(v.string(), v.maxLength(64))),
  channel: v.optional(v.pipe(v.string(), v.maxLength(64))),
  /** A label id: threads carrying it. */
  label: v.optional(v.pipe(v.string(), v.maxLength(64))),
  /** The 24-hour customer-service window: open or closed. */
  window: v.optional(v.picklist(["open", "closed"])),
  /** "true": threads with unread messages; "false": without. */
  unread: v.optional(v.picklist(["true", "false"])),
  q: v.optional(v.pipe(v.string(), v.maxLength(200))),
  cursor: v.optional(v.pipe(v.string(), v.maxLength(200))),
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d{1,3}$/, "limit is a number from 1 to 100"))),
});

export const MessageError = v.object({
  /** Meta's error code, e.g. 131047. */
  code: v.number(),
  /** Meta's title. */
  title: v.string(),
  /** A sentence an agent understands (English). */
  message: v.string(),
  /** Stable snake_case key for that sentence (e.g. window_closed, undeliverable), for translations. */
  reason: v.string(),
});

const PersonRef = v.object({ id: v.string(), name: v.string() });

/**
 * What an `activity` item of a thread records (type "activity"): an assignment, a status change,
 * a reopen. `actor` is who did it; null when Chorus did (automatic assignment, a snooze ending)
 * or the customer did (writing to a closed thread reopens it).
 */
export const ActivityKind = v.picklist([
  /** `actor` assigned `assignee` and/or `team` (actor = assignee: they took it). */
  "assigned",
  /** `actor` removed `previousAssignee` (and/or the team). */
  "unassigned",
  /** Automatic assignment gave the thread to `assignee` (actor null). */
  "auto_assigned",
  /** A Manager or Owner replied to a thread `previousAssignee` held, and now holds it. */
  "taken_over",
  /** `actor` set `status` (with `until` for snoozed; `note` and `category` for closed). */
  "status_changed",
  /** The customer wrote to a closed thread: `episode` is the new episode. */
  "reopened",
  /** A snooze ended: its time came (actor null) or the customer wrote. */
  "snooze_ended",
]);
export type ActivityKind = v.InferOutput<typeof ActivityKind>;

export const Activity = v.object({
  kind: ActivityKind,
  actor: v.nullable(PersonRef),
  assignee: v.optional(v.nullable(PersonRef)),
  previousAssignee: v.optional(v.nullable(PersonRef)),
  team: v.optional(v.nullable(v.object({ id: v.string(), name: v.string() }))),
  status: v.optional(ConversationStatus),
  until: v.optional(v.nullable(v.number())),
  note: v.optional(v.nullable(v.string())),
  category: v.optional(v.nullable(v.string())),
  episode: v.optional(v.number()),
});
export type Activity = v.InferOutput<typeof Activity>;

/** People and teams an internal note mentions. */
export const NoteMentions = v.object({ userIds: v.array(v.string()), teamIds: v.array(v.string()) });
export type NoteMentions = v.InferOutput<typeof NoteMentions>;

export const Message = v.object({
  id: v.string(),
  conversationId: v.string(),
  /** Arrival order inside the thread. */
  seq: v.number(),
  wamid: v.nullable(v.string()),
  direction: ItemDirection,
  /** Meta's message type: text, image, template, … ("unsupported" for shapes not rendered yet). */
  type: v.string(),
  /** Text to show: the body, a caption, or the rendered template. */
  text: v.nullable(v.string()),
  template: v.nullable(v.object({ name: v.string(), language: v.string(), parameters: v.array(v.string()) })),
  /** Meta's timestamp (ms): display order. */
  timestamp: v.number(),
  status: MessageStatus,
  error: v.nullable(MessageError),
  /** The agent who sent an outbound message or wrote a note; null for inbound and activity. */
  author: v.nullable(v.object({ id: v.string(), name: v.string() })),
  /**
   * type "activity" only: what happened (assignment, status, reopen). Activity and note items
   * (type "note") never leave Chorus: direction "internal", status "sent" (stored), wamid null.
   */
  activity: v.optional(Activity),
  /** type "note" only: who the note mentions. */
  mentions: v.optional(NoteMentions),
  /** WhatsApp messages (issue 5): what to render — media, location, replies, the quoted message, the ad… */
  content: v.optional(MessageContent),
  /** WhatsApp messages (issue 5): the customer's and the business's current reaction to this message. */
  reactions: v.optional(v.array(Reaction)),
});
export type Message = v.InferOutput<typeof Message>;

export const MessageList = v.object({ messages: v.array(Message), nextCursor: v.nullable(v.string()) });
export const MessageListQuery = v.object({
  cursor: v.optional(v.pipe(v.string(), v.maxLength(200))),
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d{1,3}$/, "limit is a number from 1 to 100"))),
});

const TemplateRef = v.object({
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(512)),
  language: v.pipe(v.string(), v.minLength(2), v.maxLength(15)),
  parameters: v.optional(v.array(v.pipe(v.string(), v.maxLength(1024))), []),
  // Issue 5: the header's {{1}} or media link, and URL buttons' {{1}} (worker/whatsapp/template-send.ts).
  ...TemplateSendExtras,
});

export const SendMessageBody = v.union([
  // Issue 5: text may reply to a customer message (replyTo) and ask for a link preview (previewUrl).
  RichSendBodies[0],
  v.strictObject({ template: TemplateRef }),
  // Issue 5: interactive reply buttons / list / call-to-action link, and a location.
  RichSendBodies[1],
  RichSendBodies[2],
]);
export type SendMessageBody = v.InferOutput<typeof SendMessageBody>;

export const SendMessageResponse = v.object({ message: Message });

export const Template = v.object({
  name: v.string(),
  language: v.string(),
  category: v.string(),
  /** Body with {{1}}-style placeholders. */
  body: v.string(),
  status: v.string(),
  /** Issue 5: Meta's components (HEADER, BODY, FOOTER, BUTTONS) when known, for the picker's values and preview. */
  components: v.optional(v.nullable(v.array(v.looseObject({ type: v.string() })))),
  /** Issue 5: the WhatsApp Business Account the template belongs to (null: seeded, no account yet). */
  wabaId: v.optional(v.nullable(v.string())),
});
export type Template = v.InferOutput<typeof Template>;
export const TemplateList = v.object({ templates: v.array(Template) });

// ---- assignment, status, notes, counts (issue 4) ------------------------------------------------

const ConversationId = v.pipe(v.string(), v.minLength(1), v.maxLength(64));
const UserOrTeamId = v.pipe(v.string(), v.minLength(1), v.maxLength(64));

/**
 * Who holds the thread, stated in full: `userId` (omitted or null: nobody), `teamId` (omitted:
 * keep the current team; null: no team). `{}` unassigns; `{teamId}` puts it in that team's queue.
 */
export const AssignmentBody = v.strictObject({
  userId: v.optional(v.nullable(UserOrTeamId)),
  teamId: v.optional(v.nullable(UserOrTeamId)),
});
export type AssignmentBody = v.InferOutput<typeof AssignmentBody>;

export const ConversationResponse = v.object({ conversation: ConversationSummary });

export const BulkAssignmentBody = v.strictObject({
  conversationIds: v.pipe(
    v.array(ConversationId),
    v.minLength(1, "Give at least one conversation id."),
    v.maxLength(100, "At most 100 conversations at once."),
  ),
  userId: v.optional(v.nullable(UserOrTeamId)),
  teamId: v.optional(v.nullable(UserOrTeamId)),
});
export type BulkAssignmentBody = v.InferOutput<typeof BulkAssignmentBody>;

export const BulkAssignmentResult = v.union([
  v.object({ id: v.string(), ok: v.literal(true), conversation: ConversationSummary }),
  v.object({ id: v.string(), ok: v.literal(false), error: v.object({ code: v.string(), message: v.string() }) }),
]);
export const BulkAssignmentResponse = v.object({ results: v.array(BulkAssignmentResult) });

export const StatusBody = v.strictObject({
  status: ConversationStatus,
  /** Required for snoozed: when it wakes up (epoch ms, in the future). */
  until: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  /** closed only: a closing note for the team. */
  note: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(1000))),
  /** closed only: why it closed (e.g. "resolved", "spam"). */
  category: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(64))),
});
export type StatusBody = v.InferOutput<typeof StatusBody>;

export const NoteBody = v.strictObject({
  text: v.pipe(v.string(), v.trim(), v.minLength(1, "Write a note."), v.maxLength(4096)),
});
export const NoteResponse = v.object({ note: Message });

export const ConversationCountsQuery = v.object({
  /** Count threads in this status (default open). */
  status: v.optional(ConversationStatus),
});
export const ConversationCounts = v.object({
  mine: v.number(),
  unassigned: v.number(),
  myTeams: v.number(),
  /** null for an Agent unless agents may see every thread. */
  all: v.nullable(v.number()),
  /** Unread mentions of the signed-in user. */
  mentions: v.number(),
});
export type ConversationCounts = v.InferOutput<typeof ConversationCounts>;

// ---- automatic assignment policies --------------------------------------------------------------

export const AssignmentStrategy = v.picklist(["manual", "round_robin", "fewest_open"]);
export type AssignmentStrategy = v.InferOutput<typeof AssignmentStrategy>;
/** Most open (open + pending) threads per agent; null = no limit. */
const Capacity = v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)));

export const TeamAssignmentPolicy = v.object({
  teamId: v.string(),
  teamName: v.string(),
  strategy: AssignmentStrategy,
  capacity: v.nullable(v.number()),
  updatedAt: v.nullable(v.number()),
});
export const ChannelAssignmentPolicy = v.object({
  channelId: v.string(),
  channelName: v.nullable(v.string()),
  displayPhoneNumber: v.nullable(v.string()),
  /** New threads of this channel go to this team's queue (its policy then applies). */
  defaultTeamId: v.nullable(v.string()),
  /** For threads with no team. */
  strategy: AssignmentStrategy,
  capacity: v.nullable(v.number()),
  updatedAt: v.nullable(v.number()),
});
export const AssignmentPolicyList = v.object({
  teams: v.array(TeamAssignmentPolicy),
  channels: v.array(ChannelAssignmentPolicy),
});
export const TeamAssignmentPolicyBody = v.strictObject({
  strategy: AssignmentStrategy,
  capacity: v.optional(Capacity, null),
});
export const ChannelAssignmentPolicyBody = v.strictObject({
  defaultTeamId: v.optional(v.nullable(UserOrTeamId), null),
  strategy: v.optional(AssignmentStrategy, "manual"),
  capacity: v.optional(Capacity, null),
});
export const TeamAssignmentPolicyResponse = v.object({ policy: TeamAssignmentPolicy });
export const ChannelAssignmentPolicyResponse = v.object({ policy: ChannelAssignmentPolicy });
