/**
 * The role × route matrix (issue 3): every operation in the OpenAPI document × {anonymous, agent,
 * manager, owner, token} has its expected status written in ONE table below. The operations are
 * read from the generated document, so a route added to the API without a row here fails this
 * test — no endpoint can ship unguarded. Each cell runs against fresh fixtures and a fresh
 * principal, so destructive routes (sign-out, deactivate, delete) don't disturb other cells.
 */
import { env, exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { createApiToken } from "../../worker/auth/api-tokens";
import { createLink } from "../../worker/auth/links";
import type { Role } from "../../worker/env";
import { buildOpenApiDocument } from "../../worker/openapi/generate";
import { useFakeGraph } from "./helpers/fake-graph";
import { createUser, signedIn, TEST_ORIGIN, TEST_PASSWORD } from "./helpers/session";
import { conversationOf, inbound, phone, postWebhook } from "./helpers/webhook";
import { signWebhookBody } from "../../worker/whatsapp/signature";

useFakeGraph();

const PRINCIPALS = ["anonymous", "agent", "manager", "owner", "token"] as const;
type Principal = (typeof PRINCIPALS)[number];
/** The `token` column is an API token with the Owner role: it can do what an Owner can, except what needs a person's session. */
const TOKEN_ROLE: Role = "owner";

interface Req {
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}
interface Row {
  /** Builds the request with fresh fixtures; called once per cell. */
  req: () => Promise<Req> | Req;
  expect: Record<Principal, number>;
}

const all = (status: number): Record<Principal, number> => ({ anonymous: status, agent: status, manager: status, owner: status, token: status });
const signedInOnly = (status: number): Record<Principal, number> => ({ anonymous: 401, agent: status, manager: status, owner: status, token: status });
const managers = (status: number): Record<Principal, number> => ({ anonymous: 401, agent: 403, manager: status, owner: status, token: status });
const ownerOnly = (status: number): Record<Principal, number> => ({ anonymous: 401, agent: 403, manager: 403, owner: status, token: status });
const peopleOnly = (status: number): Record<Principal, number> => ({ anonymous: 401, agent: status, manager: status, owner: status, token: 403 });

async function freshConversation(): Promise<string> {
  const waId = phone();
  const res = await postWebhook(inbound({ from: waId, text: "matrix" }));
  if (res.status !== 200) throw new Error(`webhook failed: ${res.status}`);
  return (await conversationOf({ waId }))!;
}

async function freshTeam(): Promise<string> {
  const id = `team_${crypto.randomUUID()}`;
  await env.DB.prepare("INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)").bind(id, `Team ${id}`, Date.now()).run();
  return id;
}

async function freshInvitation(): Promise<{ id: string; token: string }> {
  const creator = await createUser("owner");
  return createLink(env.DB, { kind: "invitation", email: `${crypto.randomUUID()}@example.com`, role: "agent", createdBy: creator.id });
}

const webhookBody = () => JSON.stringify(inbound({ text: "signed" }));

async function freshLabel(): Promise<string> {
  const id = `lbl_${crypto.randomUUID()}`;
  await env.DB.prepare("INSERT INTO labels (id, name, color, created_at, updated_at) VALUES (?, ?, '#336699', ?, ?)").bind(id, `L ${id}`, Date.now(), Date.now()).run();
  return id;
}

async function freshSharedQuickReply(): Promise<string> {
  const id = `qr_${crypto.randomUUID()}`;
  await env.DB.prepare("INSERT INTO quick_replies (id, owner_id, shortcut, text, created_at, updated_at) VALUES (?, NULL, ?, 'Shared', ?, ?)")
    .bind(id, `m${crypto.randomUUID().slice(0, 8)}`, Date.now(), Date.now())
    .run();
  return id;
}

/** A view of another user: views are personal, so every signed-in caller gets 404. */
async function someoneElsesView(): Promise<string> {
  const holder = await createUser("agent");
  const id = `view_${crypto.randomUUID()}`;
  await env.DB.prepare("INSERT INTO saved_views (id, user_id, name, filters, created_at, updated_at) VALUES (?, ?, 'Theirs', '{}', ?, ?)")
    .bind(id, holder.id, Date.now(), Date.now())
    .run();
  return id;
}

/** Business hours for the matrix: open around the clock in UTC (what a new workspace has). */
const matrixHours = {
  timezone: "UTC",
  weekly: Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [["00:00", "24:00"]]])),
  holidays: [],
};

async function freshChannel(): Promise<string> {
  await freshConversation();
  const channel = await env.DB.prepare("SELECT id FROM channels ORDER BY created_at LIMIT 1").first<{ id: string }>();
  return channel!.id;
}

const notTheirs = (status: number): Record<Principal, number> => ({ anonymous: 401, agent: status, manager: status, owner: status, token: status });

const matrix: Record<string, Row> = {
  // Setup and session
  "GET /api/setup": { req: () => ({ path: "/api/setup" }), expect: all(200) },
  "POST /api/setup": { req: () => ({ path: "/api/setup", body: { name: "Late", email: "late@example.com", password: "a long password" } }), expect: all(409) },
  "GET /api/session": { req: () => ({ path: "/api/session" }), expect: signedInOnly(200) },
  "POST /api/session": {
    req: async () => ({ path: "/api/session", body: { email: (await createUser("agent")).email, password: TEST_PASSWORD } }),
    expect: all(200),
  },
  "PATCH /api/session": { req: () => ({ path: "/api/session", body: { availability: "away" } }), expect: peopleOnly(200) },
  "POST /api/session/password": {
    req: () => ({ path: "/api/session/password", body: { currentPassword: TEST_PASSWORD, newPassword: "another long password" } }),
    expect: peopleOnly(204),
  },
  "DELETE /api/session": { req: () => ({ path: "/api/session" }), expect: peopleOnly(204) },
  "POST /api/password-resets/accept": {
    req: async () => {
      const target = await createUser("agent");
      const link = await createLink(env.DB, { kind: "password_reset", email: target.email, userId: target.id, createdBy: target.id });
      return { path: "/api/password-resets/accept", body: { token: link.token, password: "a reset long password" } };
    },
    expect: all(200),
  },

  // Conversations (an unassigned thread with no team: every agent may see it)
  "GET /api/conversations": { req: () => ({ path: "/api/conversations" }), expect: signedInOnly(200) },
  "GET /api/conversations/{id}": { req: async () => ({ path: `/api/conversations/${await freshConversation()}` }), expect: signedInOnly(200) },
  "POST /api/conversations/{id}/read": { req: async () => ({ path: `/api/conversations/${await freshConversation()}/read` }), expect: signedInOnly(200) },
  "GET /api/conversations/{id}/messages": {
    req: async () => ({ path: `/api/conversations/${await freshConversation()}/messages` }),
    expect: signedInOnly(200),
  },
  "POST /api/conversations/{id}/messages": {
    req: async () => ({ path: `/api/conversations/${await freshConversation()}/messages`, body: { text: "Hello from the matrix" } }),
    expect: signedInOnly(201),
  },
  "GET /api/conversations/counts": { req: () => ({ path: "/api/conversations/counts" }), expect: signedInOnly(200) },
  "POST /api/conversations/{id}/assignment": {
    // Assigning someone else is for Managers and Owners.
    req: async () => ({ path: `/api/conversations/${await freshConversation()}/assignment`, body: { userId: (await createUser("agent")).id } }),
    expect: managers(200),
  },
  "POST /api/conversations/{id}/claim": { req: async () => ({ path: `/api/conversations/${await freshConversation()}/claim` }), expect: signedInOnly(200) },
  "POST /api/conversations/bulk-assignment": {
    // Per-item rules: an agent gets 200 with a `forbidden` result for each conversation.
    req: async () => ({
      path: "/api/conversations/bulk-assignment",
      body: { conversationIds: [await freshConversation()], userId: (await createUser("agent")).id },
    }),
    expect: signedInOnly(200),
  },
  "POST /api/conversations/{id}/status": {
    req: async () => ({ path: `/api/conversations/${await freshConversation()}/status`, body: { status: "closed" } }),
    expect: signedInOnly(200),
  },
  "POST /api/conversations/{id}/notes": {
    req: async () => ({ path: `/api/conversations/${await freshConversation()}/notes`, body: { text: "A note from the matrix" } }),
    expect: signedInOnly(201),
  },
  "GET /api/templates": { req: () => ({ path: "/api/templates" }), expect: signedInOnly(200) },
  "GET /api/events": { req: () => ({ path: "/api/events", headers: { Upgrade: "websocket" } }), expect: signedInOnly(101) },

  // Users
  "GET /api/users": { req: () => ({ path: "/api/users" }), expect: managers(200) },
  "GET /api/users/{id}": { req: async () => ({ path: `/api/users/${(await createUser("agent")).id}` }), expect: managers(200) },
  "PATCH /api/users/{id}": { req: async () => ({ path: `/api/users/${(await createUser("agent")).id}`, body: { name: "Renamed" } }), expect: managers(200) },
  "POST /api/users/{id}/deactivate": { req: async () => ({ path: `/api/users/${(await createUser("agent")).id}/deactivate` }), expect: managers(200) },
  "POST /api/users/{id}/reactivate": { req: async () => ({ path: `/api/users/${(await createUser("agent")).id}/reactivate` }), expect: managers(200) },
  "POST /api/users/{id}/password-reset": { req: async () => ({ path: `/api/users/${(await createUser("agent")).id}/password-reset` }), expect: ownerOnly(201) },

  // Invitations
  "GET /api/invitations": { req: () => ({ path: "/api/invitations" }), expect: managers(200) },
  "POST /api/invitations": { req: () => ({ path: "/api/invitations", body: { email: `${crypto.randomUUID()}@example.com`, role: "agent" } }), expect: managers(201) },
  "DELETE /api/invitations/{id}": { req: async () => ({ path: `/api/invitations/${(await freshInvitation()).id}` }), expect: managers(204) },
  "GET /api/invitations/lookup": { req: async () => ({ path: `/api/invitations/lookup?token=${(await freshInvitation()).token}` }), expect: all(200) },
  "POST /api/invitations/accept": {
    req: async () => ({ path: "/api/invitations/accept", body: { token: (await freshInvitation()).token, name: "New", password: "a long new password" } }),
    expect: all(201),
  },

  // Teams
  "GET /api/teams": { req: () => ({ path: "/api/teams" }), expect: managers(200) },
  "POST /api/teams": { req: () => ({ path: "/api/teams", body: { name: `T ${crypto.randomUUID()}` } }), expect: managers(201) },
  "PATCH /api/teams/{id}": { req: async () => ({ path: `/api/teams/${await freshTeam()}`, body: { name: `R ${crypto.randomUUID()}` } }), expect: managers(200) },
  "DELETE /api/teams/{id}": { req: async () => ({ path: `/api/teams/${await freshTeam()}` }), expect: managers(204) },

  // Automatic assignment: teams are for Managers and Owners, channels for Owners
  "GET /api/assignment-policies": { req: () => ({ path: "/api/assignment-policies" }), expect: managers(200) },
  "PUT /api/assignment-policies/teams/{teamId}": {
    req: async () => ({ path: `/api/assignment-policies/teams/${await freshTeam()}`, body: { strategy: "round_robin", capacity: 3 } }),
    expect: managers(200),
  },
  "PUT /api/assignment-policies/channels/{channelId}": {
    req: async () => {
      await freshConversation();
      const channel = await env.DB.prepare("SELECT id FROM channels ORDER BY created_at LIMIT 1").first<{ id: string }>();
      return { path: `/api/assignment-policies/channels/${channel!.id}`, body: { strategy: "manual" } };
    },
    expect: ownerOnly(200),
  },

  // API tokens, audit log, settings
  "GET /api/tokens": { req: () => ({ path: "/api/tokens" }), expect: ownerOnly(200) },
  "POST /api/tokens": { req: () => ({ path: "/api/tokens", body: { name: "Zap", role: "agent" } }), expect: ownerOnly(201) },
  "DELETE /api/tokens/{id}": {
    req: async () => {
      const creator = await createUser("owner");
      const token = await createApiToken(env.DB, { name: "Old", role: "agent", expiresAt: null, createdBy: creator.id });
      return { path: `/api/tokens/${token.id}` };
    },
    expect: ownerOnly(204),
  },
  "GET /api/audit-log": { req: () => ({ path: "/api/audit-log" }), expect: ownerOnly(200) },
  "GET /api/settings": { req: () => ({ path: "/api/settings" }), expect: signedInOnly(200) },
  "PATCH /api/settings": { req: () => ({ path: "/api/settings", body: { agentsSeeAllConversations: false } }), expect: ownerOnly(200) },

  // Meta's webhooks: guarded by the verify token and the signature, not by a user
  "GET /webhooks/whatsapp": {
    req: () => ({ path: "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=test-verify-token&hub.challenge=42" }),
    expect: all(200),
  },
  "POST /webhooks/whatsapp": {
    req: async () => {
      const body = webhookBody();
      return { path: "/webhooks/whatsapp", body: JSON.parse(body), headers: { "X-Hub-Signature-256": await signWebhookBody("test-app-secret", body) } };
    },
    expect: all(200),
  },

  // Labels (on an unassigned thread with no team: every agent may see it)
  "GET /api/labels": { req: () => ({ path: "/api/labels" }), expect: signedInOnly(200) },
  "POST /api/labels": { req: () => ({ path: "/api/labels", body: { name: `L ${crypto.randomUUID()}`, color: "#112233" } }), expect: managers(201) },
  "PATCH /api/labels/{id}": { req: async () => ({ path: `/api/labels/${await freshLabel()}`, body: { color: "#445566" } }), expect: managers(200) },
  "DELETE /api/labels/{id}": { req: async () => ({ path: `/api/labels/${await freshLabel()}` }), expect: managers(204) },
  "GET /api/conversations/{id}/labels": { req: async () => ({ path: `/api/conversations/${await freshConversation()}/labels` }), expect: signedInOnly(200) },
  "PUT /api/conversations/{id}/labels": {
    req: async () => ({ path: `/api/conversations/${await freshConversation()}/labels`, body: { labelIds: [await freshLabel()] } }),
    expect: signedInOnly(200),
  },
  "POST /api/conversations/{id}/labels": {
    req: async () => ({ path: `/api/conversations/${await freshConversation()}/labels`, body: { labelId: await freshLabel() } }),
    expect: signedInOnly(200),
  },
  "DELETE /api/conversations/{id}/labels/{labelId}": {
    req: async () => ({ path: `/api/conversations/${await freshConversation()}/labels/${await freshLabel()}` }),
    expect: signedInOnly(200),
  },

  // Quick replies (personal ones belong to a person; shared ones are managed by Owner and Manager)
  "GET /api/quick-replies": { req: () => ({ path: "/api/quick-replies" }), expect: signedInOnly(200) },
  "POST /api/quick-replies": { req: () => ({ path: "/api/quick-replies", body: { shortcut: `m${crypto.randomUUID().slice(0, 8)}`, text: "Hi {{contact.name}}" } }), expect: peopleOnly(201) },
  "PATCH /api/quick-replies/{id}": { req: async () => ({ path: `/api/quick-replies/${await freshSharedQuickReply()}`, body: { text: "Changed" } }), expect: managers(200) },
  "DELETE /api/quick-replies/{id}": { req: async () => ({ path: `/api/quick-replies/${await freshSharedQuickReply()}` }), expect: managers(204) },

  // Notifications, saved views, search
  "GET /api/notifications": { req: () => ({ path: "/api/notifications" }), expect: signedInOnly(200) },
  "POST /api/notifications/read": { req: () => ({ path: "/api/notifications/read", body: { all: true } }), expect: signedInOnly(200) },
  "GET /api/views": { req: () => ({ path: "/api/views" }), expect: signedInOnly(200) },
  "POST /api/views": { req: () => ({ path: "/api/views", body: { name: "Mine", filters: { assignee: "me" } } }), expect: peopleOnly(201) },
  "PATCH /api/views/{id}": { req: async () => ({ path: `/api/views/${await someoneElsesView()}`, body: { name: "Taken" } }), expect: notTheirs(404) },
  "DELETE /api/views/{id}": { req: async () => ({ path: `/api/views/${await someoneElsesView()}` }), expect: notTheirs(404) },
  "GET /api/search": { req: () => ({ path: "/api/search?q=matrix" }), expect: signedInOnly(200) },

  // Reports (issue 6): Owners and Managers read them; only the Owner changes business hours
  "GET /api/reports/summary": { req: () => ({ path: "/api/reports/summary?from=2026-03-02&to=2026-03-08" }), expect: managers(200) },
  "GET /api/reports/breakdown": { req: () => ({ path: "/api/reports/breakdown?by=agent&from=2026-03-02&to=2026-03-08" }), expect: managers(200) },
  "GET /api/reports/leaderboard": { req: () => ({ path: "/api/reports/leaderboard?from=2026-03-02&to=2026-03-08" }), expect: managers(200) },
  "GET /api/reports/live": { req: () => ({ path: "/api/reports/live" }), expect: managers(200) },
  "GET /api/reports/export.csv": { req: () => ({ path: "/api/reports/export.csv?table=summary&from=2026-03-02&to=2026-03-08" }), expect: managers(200) },
  "GET /api/business-hours": { req: () => ({ path: "/api/business-hours" }), expect: managers(200) },
  "PUT /api/business-hours": { req: () => ({ path: "/api/business-hours", body: matrixHours }), expect: ownerOnly(200) },
  "PUT /api/business-hours/channels/{channelId}": {
    req: async () => ({ path: `/api/business-hours/channels/${await freshChannel()}`, body: matrixHours }),
    expect: ownerOnly(200),
  },
  "DELETE /api/business-hours/channels/{channelId}": {
    req: async () => ({ path: `/api/business-hours/channels/${await freshChannel()}` }),
    expect: ownerOnly(200),
  },

  // WhatsApp (issue 5): media, reactions, numbers, template sync
  "GET /api/media/{conversationId}/{messageId}": {
    req: async () => {
      const id = await freshConversation();
      await env.MEDIA.put(`media/${id}/msg_matrix`, new Uint8Array([0x89, 0x50, 0x4e, 0x47]), { httpMetadata: { contentType: "image/png" } });
      return { path: `/api/media/${id}/msg_matrix` };
    },
    expect: signedInOnly(200),
  },
  // No multipart body: every signed-in caller who may see the thread reaches the file check (400).
  "POST /api/conversations/{id}/media": { req: async () => ({ path: `/api/conversations/${await freshConversation()}/media` }), expect: signedInOnly(400) },
  "POST /api/conversations/{id}/reactions": {
    req: async () => {
      const id = await freshConversation();
      const page = await env.CONVERSATION.getByName(id).listMessages({ cursor: null, limit: 1 });
      return { path: `/api/conversations/${id}/reactions`, body: { messageId: page!.messages[0]!.id, emoji: "👍" } };
    },
    expect: signedInOnly(200),
  },
  "GET /api/channels/directory": { req: () => ({ path: "/api/channels/directory" }), expect: signedInOnly(200) },
  "GET /api/channels": { req: () => ({ path: "/api/channels" }), expect: ownerOnly(200) },
  "PATCH /api/channels/{id}": {
    req: async () => {
      await freshConversation();
      const channel = await env.DB.prepare("SELECT id FROM channels ORDER BY created_at LIMIT 1").first<{ id: string }>();
      return { path: `/api/channels/${channel!.id}`, body: { name: "Matrix line" } };
    },
    expect: ownerOnly(200),
  },
  "GET /api/channels/{id}/errors": {
    req: async () => {
      await freshConversation();
      const channel = await env.DB.prepare("SELECT id FROM channels ORDER BY created_at LIMIT 1").first<{ id: string }>();
      return { path: `/api/channels/${channel!.id}/errors` };
    },
    expect: ownerOnly(200),
  },
  // This file's fake Graph API lists no templates: a permitted caller gets Meta's failure (502).
  "POST /api/templates/sync": { req: () => ({ path: "/api/templates/sync" }), expect: managers(502) },
  "GET /api/templates/all": { req: () => ({ path: "/api/templates/all" }), expect: managers(200) },
  // A name Meta refuses: a permitted caller gets the rule's 422 before anything reaches Meta.
  "POST /api/templates": {
    req: () => ({ path: "/api/templates", body: { name: "Not Allowed", language: "en", category: "UTILITY", body: { text: "Hello there." } } }),
    expect: managers(422),
  },
  // A JSON body where a file is expected: a permitted caller gets 400.
  "POST /api/templates/media": { req: () => ({ path: "/api/templates/media", body: {} }), expect: managers(400) },

  // Documentation
  "GET /api/openapi.json": { req: () => ({ path: "/api/openapi.json" }), expect: all(200) },
  "GET /api/docs": { req: () => ({ path: "/api/docs" }), expect: all(200) },
};

async function principalHeaders(principal: Principal): Promise<Record<string, string>> {
  if (principal === "anonymous") return {};
  if (principal === "token") {
    const creator = await createUser("owner");
    const { token } = await createApiToken(env.DB, { name: "matrix", role: TOKEN_ROLE, expiresAt: null, createdBy: creator.id });
    return { Authorization: `Bearer ${token}` };
  }
  return { Cookie: (await signedIn(principal)).cookie };
}

async function runCell(method: string, row: Row, principal: Principal): Promise<number> {
  const req = await row.req();
  const headers: Record<string, string> = { Origin: TEST_ORIGIN, ...(await principalHeaders(principal)), ...req.headers };
  let body: string | undefined;
  if (req.body !== undefined) {
    // The webhook cell signed these exact bytes.
    body = JSON.stringify(req.body);
    headers["Content-Type"] = "application/json";
  }
  const res = await exports.default.fetch(`${TEST_ORIGIN}${req.path}`, { method, headers, body });
  res.webSocket?.accept();
  res.webSocket?.close(1000, "done");
  await res.body?.cancel();
  return res.status;
}

const document = buildOpenApiDocument();
const operations = Object.entries(document.paths).flatMap(([path, item]) =>
  Object.keys(item as object)
    .filter((m) => ["get", "post", "put", "patch", "delete"].includes(m))
    .map((m) => `${m.toUpperCase()} ${path}`),
);

describe("the role × route matrix", () => {
  it("has exactly one row for every operation in the OpenAPI document", ({ expect }) => {
    const missing = operations.filter((op) => !(op in matrix));
    const stale = Object.keys(matrix).filter((op) => !operations.includes(op));
    expect(missing, "operations with no expected statuses — add a row").toEqual([]);
    expect(stale, "rows for operations the API no longer has").toEqual([]);
  });

  it.for(operations.filter((op) => op in matrix))("%s", async (operation, { expect }) => {
    const row = matrix[operation]!;
    const method = operation.split(" ")[0]!;
    const actual: Record<string, number> = {};
    for (const principal of PRINCIPALS) actual[principal] = await runCell(method, row, principal);
    expect(actual).toEqual(row.expect);
  });
});
