/**
 * D1 schema (drizzle). Migrations are generated with `npm run db:generate` into migrations/ and
 * never edited after they land. Times are epoch milliseconds (integers).
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    passwordHash: text("password_hash").notNull(),
    role: text("role", { enum: ["owner", "manager", "agent"] }).notNull(),
    language: text("language"),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    /** online | away | offline — set by the user; assignment and the live view read it. */
    availability: text("availability", { enum: ["online", "away", "offline"] }).notNull().default("offline"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("users_email_unique").on(t.email)],
);

export const sessions = sqliteTable(
  "sessions",
  {
    /** SHA-256 (hex) of the cookie's random token: a leaked table does not leak sessions. */
    id: text("id").primaryKey(),
    userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
    lastSeenAt: integer("last_seen_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    userAgent: text("user_agent"),
    ip: text("ip"),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

export const channels = sqliteTable(
  "channels",
  {
    id: text("id").primaryKey(),
    phoneNumberId: text("phone_number_id").notNull(),
    displayPhoneNumber: text("display_phone_number"),
    name: text("name"),
    wabaId: text("waba_id"),
    createdAt: integer("created_at").notNull(),
    lastWebhookAt: integer("last_webhook_at"),
    /**
     * This number's own Graph API access token, AES-GCM encrypted with the CHANNEL_TOKEN_KEY
     * secret ("v1.<iv>.<ciphertext>", base64url); null: the workspace's WHATSAPP_ACCESS_TOKEN.
     */
    accessTokenEncrypted: text("access_token_encrypted"),
    /** Sending rate of this number (messages per second; Meta's default throughput is 80). */
    messagesPerSecond: integer("messages_per_second"),
    /** Health: the last error Meta reported for this number (webhook `errors`, failed sends). */
    lastErrorAt: integer("last_error_at"),
    lastErrorCode: integer("last_error_code"),
    lastErrorTitle: text("last_error_title"),
    updatedAt: integer("updated_at"),
  },
  (t) => [uniqueIndex("channels_phone_number_id_unique").on(t.phoneNumberId)],
);

/** Errors Meta reported for a number (value-level webhook `errors`), newest first; Owners read them. */
export const channelErrors = sqliteTable(
  "channel_errors",
  {
    id: text("id").primaryKey(),
    channelId: text("channel_id").notNull(),
    at: integer("at").notNull(),
    code: integer("code").notNull(),
    title: text("title").notNull(),
    details: text("details"),
    /** Where it came from: "webhook" (value-level errors), "media", "template_sync". */
    source: text("source").notNull(),
  },
  (t) => [index("channel_errors_channel_at_idx").on(t.channelId, t.at)],
);

export const contacts = sqliteTable(
  "contacts",
  {
    id: text("id").primaryKey(),
    /** Meta's wa_id (phone digits, no +); null for a customer known only by a business-scoped id. */
    waId: text("wa_id"),
    /** Business-scoped user id (Meta 2026). */
    userId: text("user_id"),
    username: text("username"),
    name: text("name"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    /**
     * Issue 5: this row was one person's second record (e.g. known by phone, and separately by a
     * business-scoped user id) and was merged into that contact: its identifiers moved there; its
     * old thread keeps its history and points here to the surviving contact.
     */
    mergedIntoId: text("merged_into_id"),
  },
  (t) => [
    uniqueIndex("contacts_wa_id_unique").on(t.waId),
    uniqueIndex("contacts_user_id_unique").on(t.userId),
  ],
);

/**
 * The conversation index: one row per thread, written idempotently by its Conversation DO after
 * every change (the DO is the source of truth; a replayed write converges to the same row).
 */
export const conversations = sqliteTable(
  "conversations",
  {
    id: text("id").primaryKey(),
    channelId: text("channel_id").notNull(),
    contactId: text("contact_id").notNull(),
    status: text("status", { enum: ["open", "pending", "snoozed", "closed"] }).notNull().default("open"),
    assigneeId: text("assignee_id"),
    teamId: text("team_id"),
    lastMessageAt: integer("last_message_at"),
    lastMessagePreview: text("last_message_preview"),
    lastMessageDirection: text("last_message_direction", { enum: ["in", "out"] }),
    unreadCount: integer("unread_count").notNull().default(0),
    windowEndsAt: integer("window_ends_at"),
    /** The DO's version of this row: a write with an older version never overwrites a newer one. */
    version: integer("version").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    /** 1 for a new thread; +1 each time the customer writes to a closed thread (reports count episodes). */
    episode: integer("episode").notNull().default(1),
    /** While snoozed: when the DO's alarm wakes it. */
    snoozedUntil: integer("snoozed_until"),
    /**
     * Set while the thread waits for automatic assignment (a non-manual policy applies and nobody
     * was available): a user coming online or a freed slot offers these threads, oldest first.
     */
    waitingSince: integer("waiting_since"),
  },
  (t) => [
    uniqueIndex("conversations_channel_contact_unique").on(t.channelId, t.contactId),
    index("conversations_activity_idx").on(t.lastMessageAt, t.id),
    index("conversations_status_activity_idx").on(t.status, t.lastMessageAt, t.id),
    index("conversations_assignee_activity_idx").on(t.assigneeId, t.lastMessageAt, t.id),
    index("conversations_team_activity_idx").on(t.teamId, t.lastMessageAt, t.id),
    index("conversations_waiting_idx").on(t.waitingSince).where(sql`${t.waitingSince} IS NOT NULL`),
    // An agent's load (open + pending threads) for automatic assignment, without reading their closed ones.
    index("conversations_assignee_status_idx").on(t.assigneeId, t.status),
  ],
);

/**
 * Automatic assignment (issue 4): one row per team (`scope` 'team') and per channel ('channel').
 * A thread with a team follows its team's row; a thread without one follows its channel's row,
 * whose `default_team_id` also gives new threads of that channel their team. No row = manual.
 */
export const assignmentPolicies = sqliteTable(
  "assignment_policies",
  {
    scope: text("scope", { enum: ["team", "channel"] }).notNull(),
    /** The team id or the channel id. */
    scopeId: text("scope_id").notNull(),
    strategy: text("strategy", { enum: ["manual", "round_robin", "fewest_open"] }).notNull().default("manual"),
    /** Most open (open + pending) threads an agent may hold before automatic assignment skips them; null = no limit. */
    capacity: integer("capacity"),
    /** Channel rows only: the team new threads of this channel belong to. */
    defaultTeamId: text("default_team_id"),
    /** Round-robin: the user who got the last thread (the next one goes to the next user id after it). */
    rrCursor: text("rr_cursor"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.scopeId] })],
);

/** Message templates the composer offers outside the window: synced from Meta, or created in Chorus and submitted (issue 5). */
export const templates = sqliteTable(
  "templates",
  {
    id: text("id").primaryKey(),
    channelId: text("channel_id"),
    name: text("name").notNull(),
    language: text("language").notNull(),
    category: text("category").notNull().default("UTILITY"),
    body: text("body").notNull(),
    status: text("status").notNull().default("APPROVED"),
    updatedAt: integer("updated_at").notNull().default(sql`0`),
    /** Meta's template id and account (set by template sync, issue 5). */
    metaId: text("meta_id"),
    wabaId: text("waba_id"),
    /** Why Meta rejected, paused or disabled it (REJECTED: e.g. INVALID_FORMAT). */
    statusReason: text("status_reason"),
    /** Meta's components (header, body, footer, buttons) as JSON, for previews. */
    components: text("components"),
  },
  // Issue 5: Meta keeps names unique per name + language within one WhatsApp Business Account, so
  // two accounts may both have "order_update" in en_US. waba_id NULL: not tied to an account yet
  // (the seeded templates); template sync adopts such a row for the first account listing it.
  (t) => [uniqueIndex("templates_waba_name_language_unique").on(t.wabaId, t.name, t.language)],
);

export const teams = sqliteTable(
  "teams",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("teams_name_unique").on(t.name)],
);

export const teamMembers = sqliteTable(
  "team_members",
  {
    teamId: text("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.userId] }), index("team_members_user_idx").on(t.userId)],
);

/** Invitations and password resets: single-use links whose token only exists hashed here. */
export const userLinks = sqliteTable(
  "user_links",
  {
    id: text("id").primaryKey(),
    kind: text("kind", { enum: ["invitation", "password_reset"] }).notNull(),
    tokenHash: text("token_hash").notNull(),
    email: text("email").notNull(),
    /** For invitations: the role and team ids the new user gets. */
    role: text("role", { enum: ["owner", "manager", "agent"] }),
    teamIds: text("team_ids", { mode: "json" }).$type<string[]>(),
    /** For password resets: whose password. */
    userId: text("user_id"),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("user_links_token_hash_unique").on(t.tokenHash), index("user_links_kind_created_idx").on(t.kind, t.createdAt)],
);

/** API tokens for integrations (Authorization: Bearer). Only the SHA-256 of the token is kept. */
export const apiTokens = sqliteTable(
  "api_tokens",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull(),
    /** The first characters of the token, to recognise it in the list. */
    prefix: text("prefix").notNull(),
    role: text("role", { enum: ["owner", "manager", "agent"] }).notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at"),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("api_tokens_token_hash_unique").on(t.tokenHash)],
);

/** Who did what, when, from where. Append-only. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    at: integer("at").notNull(),
    actorId: text("actor_id"),
    actorName: text("actor_name"),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    ip: text("ip"),
    details: text("details", { mode: "json" }).$type<Record<string, unknown>>(),
  },
  (t) => [index("audit_log_at_idx").on(t.at), index("audit_log_action_at_idx").on(t.action, t.at)],
);

/** Workspace settings as key → JSON value. */
export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value", { mode: "json" }).notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** Failed sign-ins per account and per client address, for throttling. */
export const signInFailures = sqliteTable("sign_in_failures", {
  key: text("key").primaryKey(),
  count: integer("count").notNull(),
  windowStart: integer("window_start").notNull(),
});

// ---- collaboration (issue 4): labels, quick replies, notifications, saved views, search ----------

/** Workspace labels (Owner/Manager manage the list); names are unique regardless of case. */
export const labels = sqliteTable(
  "labels",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** #rrggbb */
    color: text("color").notNull(),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("labels_name_unique").on(sql`lower(${t.name})`)],
);

/** The labels on each thread. Anyone who can see a thread may change its labels. */
export const conversationLabels = sqliteTable(
  "conversation_labels",
  {
    conversationId: text("conversation_id").notNull().references(() => conversations.id, { onDelete: "cascade" }),
    labelId: text("label_id").notNull().references(() => labels.id, { onDelete: "cascade" }),
    /** A user id or an API token id (no foreign key: tokens are not users). */
    addedBy: text("added_by"),
    addedAt: integer("added_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.conversationId, t.labelId] }),
    // The list's label filter: EXISTS (… WHERE label_id = ? AND conversation_id = c.id).
    index("conversation_labels_label_idx").on(t.labelId, t.conversationId),
  ],
);

/**
 * Quick replies (`/shortcut` → text with {{variables}}): personal (owner_id = the user) or shared
 * with the workspace (owner_id NULL). A shortcut is unique within its scope.
 */
export const quickReplies = sqliteTable(
  "quick_replies",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id").references(() => users.id, { onDelete: "cascade" }),
    shortcut: text("shortcut").notNull(),
    text: text("text").notNull(),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("quick_replies_personal_unique").on(t.ownerId, t.shortcut).where(sql`${t.ownerId} IS NOT NULL`),
    uniqueIndex("quick_replies_shared_unique").on(t.shortcut).where(sql`${t.ownerId} IS NULL`),
  ],
);

/**
 * The notification centre: one row per thing a user should look at. Unread "new_message" rows
 * collapse to one per (user, thread) — a chatty customer moves that row up instead of adding rows.
 */
export const notifications = sqliteTable(
  "notifications",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["assigned", "mentioned", "new_message"] }).notNull(),
    conversationId: text("conversation_id").notNull(),
    /** The internal note that mentioned the user (kind "mentioned"). */
    noteId: text("note_id"),
    actorId: text("actor_id"),
    actorName: text("actor_name"),
    preview: text("preview").notNull().default(""),
    createdAt: integer("created_at").notNull(),
    readAt: integer("read_at"),
  },
  (t) => [
    index("notifications_user_created_idx").on(t.userId, t.createdAt, t.id),
    index("notifications_user_unread_idx").on(t.userId).where(sql`${t.readAt} IS NULL`),
    uniqueIndex("notifications_unread_new_message_unique")
      .on(t.userId, t.conversationId)
      .where(sql`${t.kind} = 'new_message' AND ${t.readAt} IS NULL`),
  ],
);

/** A user's named filter sets for the inbox (personal). */
export const savedViews = sqliteTable(
  "saved_views",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    filters: text("filters", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("saved_views_user_name_unique").on(t.userId, sql`lower(${t.name})`)],
);

/**
 * Message and note text for full-text search, one row per message (idempotent per message id).
 * The FTS5 index over it (message_search_fts, trigram tokenizer) and the triggers that keep it in
 * step are in migrations/*_search_fts.sql: drizzle cannot declare virtual tables.
 */
export const messageSearch = sqliteTable(
  "message_search",
  {
    /** The FTS5 index's content_rowid. */
    rowid: integer("id").primaryKey(),
    messageId: text("message_id").notNull(),
    conversationId: text("conversation_id").notNull(),
    text: text("text").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("message_search_message_unique").on(t.messageId),
    index("message_search_conversation_idx").on(t.conversationId, t.createdAt),
  ],
);

// ---- reports (issue 6): facts, rollups, business hours — in their own module -------------------
export * from "./reports-schema";
