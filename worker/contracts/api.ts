/**
 * The REST API's shapes, in one place: the Worker validates with these, the web app infers its
 * types from them, and /api/openapi.json is generated from them. Times are epoch milliseconds.
 */
import * as v from "valibot";

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

export const MessageDirection = v.picklist(["in", "out"]);
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

export const ConversationListQuery = v.object({
  status: v.optional(ConversationStatus),
  assignee: v.optional(v.pipe(v.string(), v.maxLength(64))),
  team: v.optional(v.pipe(v.string(), v.maxLength(64))),
  channel: v.optional(v.pipe(v.string(), v.maxLength(64))),
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

export const Message = v.object({
  id: v.string(),
  conversationId: v.string(),
  /** Arrival order inside the thread. */
  seq: v.number(),
  wamid: v.nullable(v.string()),
  direction: MessageDirection,
  /** Meta's message type: text, image, template, … ("unsupported" for shapes not rendered yet). */
  type: v.string(),
  /** Text to show: the body, a caption, or the rendered template. */
  text: v.nullable(v.string()),
  template: v.nullable(v.object({ name: v.string(), language: v.string(), parameters: v.array(v.string()) })),
  /** Meta's timestamp (ms): display order. */
  timestamp: v.number(),
  status: MessageStatus,
  error: v.nullable(MessageError),
  /** The agent who sent an outbound message; null for inbound. */
  author: v.nullable(v.object({ id: v.string(), name: v.string() })),
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
});

export const SendMessageBody = v.union([
  v.strictObject({ text: v.pipe(v.string(), v.trim(), v.minLength(1, "Write a message."), v.maxLength(4096)) }),
  v.strictObject({ template: TemplateRef }),
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
});
export type Template = v.InferOutput<typeof Template>;
export const TemplateList = v.object({ templates: v.array(Template) });
