/**
 * Who sees which thread (issue 3 item 4), enforced on every conversation route: Owners and
 * Managers see all; an Agent sees the threads assigned to them and the unassigned threads of their
 * teams or of no team — or every thread when the workspace lets agents see all. A thread an agent
 * may not see answers 404. The inbox views and their counts (one D1 query) follow the same rule.
 */
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, it } from "vitest";
import { app } from "../../worker/app";
import type { ConversationCounts, ConversationSummary } from "../../worker/contracts/api";
import { useFakeGraph } from "./helpers/fake-graph";
import { call, channelIdOf, createTeam, customerWrites, expectStatus, newNumber, setAgentsSeeAll, type Session } from "./helpers/inbox";
import { signedIn, TEST_ORIGIN } from "./helpers/session";

const graph = useFakeGraph();

const NUMBER = newNumber();
let channelId: string;
let owner: Session, manager: Session, anna: Session, ben: Session, cleo: Session, dave: Session;
/** T1 Anna's (Sales) · T2 Sales, unassigned · T3 Support, unassigned · T4 no team, unassigned · T5 Cleo's, no team. */
const t: Record<"T1" | "T2" | "T3" | "T4" | "T5", string> = { T1: "", T2: "", T3: "", T4: "", T5: "" };
const name = (id: string) => Object.entries(t).find(([, v]) => v === id)?.[0] ?? id;

async function listNames(session: Session, query = ""): Promise<string[]> {
  const res = await call(session, "GET", `/api/conversations?channel=${channelId}${query ? `&${query}` : ""}`);
  const body = await expectStatus<{ conversations: ConversationSummary[] }>(res, 200);
  return body.conversations.map((c) => name(c.id)).sort();
}

beforeAll(async () => {
  [owner, manager, anna, ben, cleo, dave] = await Promise.all([
    signedIn("owner"),
    signedIn("manager"),
    signedIn("agent"),
    signedIn("agent"),
    signedIn("agent"),
    signedIn("agent"),
  ]);
  const sales = await createTeam(manager, [anna, ben], "Sales");
  const support = await createTeam(manager, [cleo], "Support");
  for (const key of Object.keys(t) as Array<keyof typeof t>) {
    t[key] = (await customerWrites({ phoneNumberId: NUMBER, text: `hello from ${key}` })).id;
  }
  channelId = await channelIdOf(NUMBER);
  const assign = async (id: string, body: unknown) =>
    expectStatus(await call(manager, "POST", `/api/conversations/${id}/assignment`, body), 200);
  await assign(t.T1, { userId: anna.user.id, teamId: sales.id });
  await assign(t.T2, { teamId: sales.id });
  await assign(t.T3, { teamId: support.id });
  await assign(t.T5, { userId: cleo.user.id });
});

describe("the list", () => {
  it("shows Owners and Managers every thread, and each agent theirs plus their teams' and the team-less unassigned ones", async ({ expect }) => {
    const all = ["T1", "T2", "T3", "T4", "T5"];
    expect(await listNames(owner)).toEqual(all);
    expect(await listNames(manager)).toEqual(all);
    expect(await listNames(anna)).toEqual(["T1", "T2", "T4"]);
    expect(await listNames(ben)).toEqual(["T2", "T4"]);
    expect(await listNames(cleo)).toEqual(["T3", "T4", "T5"]);
    expect(await listNames(dave)).toEqual(["T4"]);
  });

  it("shows every thread to agents when the workspace setting says so", async ({ expect }) => {
    await setAgentsSeeAll(owner, true);
    try {
      expect(await listNames(dave)).toEqual(["T1", "T2", "T3", "T4", "T5"]);
      expect(await listNames(dave, "view=all")).toEqual(["T1", "T2", "T3", "T4", "T5"]);
      expect((await call(dave, "GET", `/api/conversations/${t.T5}`)).status).toBe(200);
    } finally {
      await setAgentsSeeAll(owner, false);
    }
    expect(await listNames(dave)).toEqual(["T4"]);
  });

  it("has the views mine, unassigned, my_teams and all (all: not for agents)", async ({ expect }) => {
    expect(await listNames(anna, "view=mine")).toEqual(["T1"]);
    expect(await listNames(anna, "view=unassigned")).toEqual(["T2", "T4"]);
    expect(await listNames(anna, "view=my_teams")).toEqual(["T1", "T2"]);
    expect(await listNames(cleo, "view=my_teams")).toEqual(["T3"]);
    expect(await listNames(manager, "view=unassigned")).toEqual(["T2", "T3", "T4"]);
    expect(await listNames(manager, "view=all")).toEqual(["T1", "T2", "T3", "T4", "T5"]);
    const forbidden = await call(anna, "GET", "/api/conversations?view=all");
    expect(forbidden.status).toBe(403);
    expect((await call(anna, "GET", "/api/conversations?view=everything")).status).toBe(400);
  });

  it("keeps the filters working beside the views: status, assignee, team, q", async ({ expect }) => {
    expect(await listNames(manager, `assignee=${cleo.user.id}`)).toEqual(["T5"]);
    expect(await listNames(anna, "assignee=me")).toEqual(["T1"]);
    expect(await listNames(manager, "view=unassigned&status=open")).toEqual(["T2", "T3", "T4"]);
    expect(await listNames(manager, "status=closed")).toEqual([]);
    const support = (await env.DB.prepare("SELECT id FROM teams WHERE name = 'Support'").first<{ id: string }>())!.id;
    expect(await listNames(manager, `team=${support}`)).toEqual(["T3"]);
    expect(await listNames(anna, "q=Sheena")).toEqual(["T1", "T2", "T4"]);
    expect(await listNames(anna, "unread=true&view=unassigned")).toEqual(["T2", "T4"]);
    expect(await listNames(anna, "window=closed")).toEqual([]);
  });

  it("stays within 3 D1 queries for an agent, whatever the view", async ({ expect }) => {
    for (const view of ["", "view=mine", "view=unassigned", "view=my_teams"]) {
      const { queries, res } = await counted(anna, `/api/conversations?limit=100&${view}`);
      expect(res.status).toBe(200);
      expect(queries.length, view).toBeLessThanOrEqual(3);
    }
  });
});

/** Run one request against the app with a D1 that records every statement it prepares. */
async function counted(session: Session, path: string) {
  const queries: string[] = [];
  const db = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "prepare") {
        return (sql: string) => {
          queries.push(sql);
          return target.prepare(sql);
        };
      }
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  const res = await app.fetch(new Request(`${TEST_ORIGIN}${path}`, { headers: session.headers }), { ...env, DB: db }, createExecutionContext());
  return { queries, res };
}

describe("GET /api/conversations/counts", () => {
  it("counts the views for each role in one D1 query", async ({ expect }) => {
    const { queries, res } = await counted(anna, "/api/conversations/counts");
    const body = await expectStatus<ConversationCounts>(res, 200);
    expect(queries.filter((sql) => /FROM conversations/.test(sql))).toHaveLength(1);
    // Anna: T1 mine; T2 and T4 unassigned she may see; T1 and T2 in her team; all is not hers to count.
    expect(body).toEqual({ mine: 1, unassigned: 2, myTeams: 2, all: null, mentions: 0 });
    const managerCounts = await expectStatus<ConversationCounts>(await call(manager, "GET", "/api/conversations/counts"), 200);
    expect(managerCounts.all).toBeGreaterThanOrEqual(5);
    expect(managerCounts.mine).toBe(0);
    const closed = await expectStatus<ConversationCounts>(await call(anna, "GET", "/api/conversations/counts?status=closed"), 200);
    expect(closed).toMatchObject({ mine: 0, unassigned: 0, myTeams: 0 });
  });
});

describe("every conversation route", () => {
  it("answers 404 for a thread the agent may not see — another team's, or someone else's", async ({ expect }) => {
    const routes: Array<[string, string, unknown?]> = [
      ["GET", ""],
      ["GET", "/messages"],
      ["POST", "/read"],
      ["POST", "/assignment", {}],
      ["POST", "/status", { status: "closed" }],
      ["POST", "/notes", { text: "peek" }],
      ["GET", "/labels"],
    ];
    for (const id of [t.T3, t.T5]) {
      for (const [method, suffix, body] of routes) {
        const res = await call(anna, method, `/api/conversations/${id}${suffix}`, body);
        expect(res.status, `${method} ${name(id)}${suffix}`).toBe(404);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe("not_found");
      }
    }
    // Contending for the reply lock of another team's thread: 404 too.
    expect((await call(anna, "POST", `/api/conversations/${t.T3}/messages`, { text: "hi" })).status).toBe(404);
    expect((await call(anna, "POST", `/api/conversations/${t.T3}/claim`)).status).toBe(404);
    // Cleo's thread has no team: it was in Anna's queue, so she is told who holds it.
    const locked = await call(anna, "POST", `/api/conversations/${t.T5}/messages`, { text: "hi" });
    expect(locked.status).toBe(409);
    expect(((await locked.json()) as { error: { holder: unknown } }).error.holder).toEqual({ id: cleo.user.id, name: cleo.user.name });
    expect((await call(anna, "POST", `/api/conversations/${t.T5}/claim`)).status).toBe(409);
    expect(graph.calls).toHaveLength(0);
  });

  it("works for a thread the agent may see", async ({ expect }) => {
    expect((await call(ben, "GET", `/api/conversations/${t.T2}`)).status).toBe(200);
    expect((await call(ben, "GET", `/api/conversations/${t.T2}/messages`)).status).toBe(200);
    expect((await call(ben, "POST", `/api/conversations/${t.T2}/read`)).status).toBe(200);
    expect((await call(ben, "POST", `/api/conversations/${t.T2}/notes`, { text: "I'll look" })).status).toBe(201);
  });
});
