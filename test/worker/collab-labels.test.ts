/**
 * Labels: the workspace list (/api/labels, Owner/Manager manage it, audited) and the labels on a
 * thread (/api/conversations/:id/labels, anyone who may see the thread), pushed live only to the
 * people who may see that thread.
 */
import { env, exports } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CollaborationEvent, Label } from "../../worker/contracts/collaboration";
import { labelsForConversations } from "../../worker/services/labels";
import { labelFilterSql } from "../../worker/services/thread-filters";
import { binder } from "../../worker/services/thread-visibility";
import { useFakeGraph } from "./helpers/fake-graph";
import { api, newThread, nextCollaborationEvent, pendingCollaborationEvents, reply, type Session } from "./helpers/collab-threads";
import { signedIn, TEST_ORIGIN } from "./helpers/session";
import { readSocket, type SocketReader } from "./helpers/socket";

useFakeGraph();

let owner: Session;
let manager: Session;
let anna: Session;
let ben: Session;
let open: { id: string }; // unassigned
let annas: { id: string }; // assigned to Anna

const sockets: SocketReader[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) {
    try {
      s.ws.close(1000, "done");
    } catch {
      // already closed
    }
  }
});

async function connect(session: Session): Promise<SocketReader> {
  const res = await exports.default.fetch(`${TEST_ORIGIN}/api/events`, { headers: { ...session.headers, Upgrade: "websocket" } });
  const reader = readSocket(res);
  sockets.push(reader);
  expect((await reader.next<{ type: string }>()).type).toBe("hello");
  return reader;
}

async function createLabel(session: Session, name: string, color = "#3366FF"): Promise<Label> {
  const res = await api(session, "POST", "/api/labels", { name, color });
  if (res.status !== 201) throw new Error(`create label answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { label: Label }).label;
}

beforeAll(async () => {
  owner = await signedIn("owner");
  manager = await signedIn("manager");
  anna = await signedIn("agent");
  ben = await signedIn("agent");
  open = await newThread({ name: "Open Customer", text: "hello" });
  annas = await newThread({ name: "Annas Customer", text: "hello Anna" });
  await reply(anna, annas.id, "On it");
});

describe("/api/labels", () => {
  it("Owner and Manager create, rename, recolour and delete labels; everyone reads the list", async ({ expect }) => {
    const vip = await createLabel(manager, "  VIP  ", "#FFAA00");
    expect(vip).toEqual({ id: expect.stringMatching(/^lbl_/), name: "VIP", color: "#ffaa00" });
    const lead = await createLabel(owner, "lead");

    const list = await api(anna, "GET", "/api/labels");
    expect(list.status).toBe(200);
    const names = ((await list.json()) as { labels: Label[] }).labels.map((l) => l.name);
    expect(names.indexOf("lead")).toBeLessThan(names.indexOf("VIP"));

    const renamed = await api(manager, "PATCH", `/api/labels/${lead.id}`, { name: "Lead", color: "#00AA00" });
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toEqual({ label: { id: lead.id, name: "Lead", color: "#00aa00" } });

    expect((await api(owner, "DELETE", `/api/labels/${lead.id}`)).status).toBe(204);
    expect((await api(owner, "DELETE", `/api/labels/${lead.id}`)).status).toBe(404);

    const audited = await env.DB.prepare("SELECT action, actor_id FROM audit_log WHERE target_id IN (?, ?) ORDER BY at, action")
      .bind(vip.id, lead.id)
      .all<{ action: string; actor_id: string }>();
    expect(audited.results.map((r) => r.action).sort()).toEqual(["label.created", "label.created", "label.deleted", "label.updated"]);
  });

  it("refuses agents, duplicate names (any case) and bad input", async ({ expect }) => {
    const agentTry = await api(anna, "POST", "/api/labels", { name: "Mine", color: "#000000" });
    expect(agentTry.status).toBe(403);
    expect(await agentTry.json()).toMatchObject({ error: { code: "forbidden" } });

    await createLabel(owner, "Urgent");
    const dup = await api(manager, "POST", "/api/labels", { name: "URGENT", color: "#000000" });
    expect(dup.status).toBe(409);
    expect(await dup.json()).toMatchObject({ error: { code: "label_exists" } });

    const badColor = await api(owner, "POST", "/api/labels", { name: "Colourful", color: "red" });
    expect(badColor.status).toBe(400);
    expect(await badColor.json()).toMatchObject({ error: { code: "invalid_request", message: expect.stringContaining("color") } });
    expect((await api(owner, "POST", "/api/labels", { name: "", color: "#000000" })).status).toBe(400);
    expect((await api(owner, "POST", "/api/labels", { name: "x".repeat(51), color: "#000000" })).status).toBe(400);
    expect((await api(owner, "POST", "/api/labels", { name: "Extra", color: "#000000", extra: 1 })).status).toBe(400);
    expect((await api(owner, "POST", "/api/labels", "{not json")).status).toBe(400);
    expect((await api(owner, "PATCH", "/api/labels/lbl_nope", { name: "Nope" })).status).toBe(404);
    expect((await api(null, "GET", "/api/labels")).status).toBe(401);
  });
});

describe("/api/conversations/:id/labels", () => {
  it("anyone who may see a thread adds, sets and removes its labels; it is idempotent", async ({ expect }) => {
    const billing = await createLabel(owner, "Billing");
    const refund = await createLabel(owner, "Refund");

    const added = await api(ben, "POST", `/api/conversations/${open.id}/labels`, { labelId: billing.id });
    expect(added.status).toBe(200);
    expect(await added.json()).toEqual({ conversationId: open.id, labels: [billing] });
    const again = await api(ben, "POST", `/api/conversations/${open.id}/labels`, { labelId: billing.id });
    expect(((await again.json()) as { labels: Label[] }).labels).toEqual([billing]);

    const set = await api(anna, "PUT", `/api/conversations/${open.id}/labels`, { labelIds: [refund.id, billing.id, refund.id] });
    expect(set.status).toBe(200);
    expect(((await set.json()) as { labels: Label[] }).labels).toEqual([billing, refund]);

    const removed = await api(ben, "DELETE", `/api/conversations/${open.id}/labels/${billing.id}`);
    expect(await removed.json()).toEqual({ conversationId: open.id, labels: [refund] });
    expect((await api(ben, "DELETE", `/api/conversations/${open.id}/labels/${billing.id}`)).status).toBe(200);

    const read = await api(owner, "GET", `/api/conversations/${open.id}/labels`);
    expect(await read.json()).toEqual({ conversationId: open.id, labels: [refund] });

    const emptied = await api(owner, "PUT", `/api/conversations/${open.id}/labels`, { labelIds: [] });
    expect(((await emptied.json()) as { labels: Label[] }).labels).toEqual([]);
  });

  it("is a 404 for a thread the agent may not see, and a 400 for an unknown label", async ({ expect }) => {
    const label = await createLabel(owner, "Hidden");
    for (const [method, path, body] of [
      ["GET", `/api/conversations/${annas.id}/labels`, undefined],
      ["POST", `/api/conversations/${annas.id}/labels`, { labelId: label.id }],
      ["PUT", `/api/conversations/${annas.id}/labels`, { labelIds: [label.id] }],
      ["DELETE", `/api/conversations/${annas.id}/labels/${label.id}`, undefined],
    ] as const) {
      const res = await api(ben, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await api(anna, "POST", `/api/conversations/${annas.id}/labels`, { labelId: label.id })).status).toBe(200);
    expect((await api(owner, "GET", `/api/conversations/conv_missing/labels`)).status).toBe(404);

    const unknown = await api(owner, "POST", `/api/conversations/${open.id}/labels`, { labelId: "lbl_missing" });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: { code: "invalid_request", message: expect.stringContaining("labelId") } });
    const unknownSet = await api(owner, "PUT", `/api/conversations/${open.id}/labels`, { labelIds: ["lbl_missing"] });
    expect(unknownSet.status).toBe(400);
    expect((await api(owner, "PUT", `/api/conversations/${open.id}/labels`, { labelIds: "x" })).status).toBe(400);
  });

  it("deleting a label takes it off every thread", async ({ expect }) => {
    const temp = await createLabel(owner, "Temporary");
    await api(owner, "POST", `/api/conversations/${open.id}/labels`, { labelId: temp.id });
    await api(owner, "POST", `/api/conversations/${annas.id}/labels`, { labelId: temp.id });
    expect((await api(manager, "DELETE", `/api/labels/${temp.id}`)).status).toBe(204);
    const left = await env.DB.prepare("SELECT count(*) AS n FROM conversation_labels WHERE label_id = ?").bind(temp.id).first<{ n: number }>();
    expect(left!.n).toBe(0);
  });

  it("pushes the thread's labels live to people who may see it, and to nobody else", async ({ expect }) => {
    const label = await createLabel(owner, "Live");
    const annaSocket = await connect(anna);
    const benSocket = await connect(ben);
    const ownerSocket = await connect(owner);

    await api(owner, "POST", `/api/conversations/${annas.id}/labels`, { labelId: label.id });
    for (const socket of [annaSocket, ownerSocket]) {
      const event = await nextCollaborationEvent<CollaborationEvent>(socket);
      expect(event).toMatchObject({ type: "conversation.labels", conversationId: annas.id });
      expect(event.type === "conversation.labels" && event.labels).toContainEqual(label);
    }
    // Ben may not see Anna's thread: a later event for a thread he sees arrives first and alone.
    await api(owner, "POST", `/api/conversations/${open.id}/labels`, { labelId: label.id });
    expect(await nextCollaborationEvent(benSocket)).toMatchObject({ type: "conversation.labels", conversationId: open.id });
    expect(await pendingCollaborationEvents(benSocket)).toEqual([]);
  });
});

describe("helpers for the conversation list", () => {
  it("labelFilterSql selects the threads with a label; labelsForConversations reads many threads at once", async ({ expect }) => {
    const a = await createLabel(owner, "Filter A");
    const b = await createLabel(owner, "Filter B");
    await api(owner, "PUT", `/api/conversations/${open.id}/labels`, { labelIds: [a.id, b.id] });
    await api(owner, "PUT", `/api/conversations/${annas.id}/labels`, { labelIds: [b.id] });

    const binds: unknown[] = [];
    const condition = labelFilterSql(binder(binds), a.id);
    const { results } = await env.DB.prepare(`SELECT c.id FROM conversations c WHERE ${condition}`).bind(...binds).all<{ id: string }>();
    expect(results.map((r) => r.id)).toEqual([open.id]);

    const map = await labelsForConversations(env.DB, [open.id, annas.id, "conv_none"]);
    expect(map.get(open.id)).toEqual([a, b]);
    expect(map.get(annas.id)).toEqual([b]);
    expect(map.has("conv_none")).toBe(false);
  });
});
