/**
 * GET /api/events — the live WebSocket (design.md, "Live"). Authenticates the session, refuses
 * cross-site handshakes, and hands the upgrade to the workspace's Hub Durable Object.
 */
import { Hono } from "hono";
import { HUB_IDENTITY_HEADERS, WORKSPACE_HUB } from "../../durable-objects/hub";
import { requireUser } from "../auth/middleware";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { readSettings } from "../settings";

export const eventRoutes = new Hono<AppEnv>().get("/", requireUser, async (c) => {
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "upgrade_required", "This address only speaks WebSocket.");
  }
  // Browsers attach the session cookie to a WebSocket handshake from any site and CORS does not
  // apply to it, so a page elsewhere could read this user's live feed (cross-site WebSocket
  // hijacking). Browsers always send Origin on the handshake and a page cannot forge it.
  const origin = c.req.header("Origin");
  if (origin !== new URL(c.req.url).origin) {
    throw new ApiError(403, "origin_refused", "This connection came from another site and was refused.");
  }

  // A fresh request: none of the client's headers reach the hub, so the identity headers below
  // can only be the ones set here.
  // What the hub needs to apply the role rules to every event without a lookup: the user's teams
  // and the workspace's "agents see all" setting, as of now (changing either closes agents' sockets).
  const [teams, settings] = await Promise.all([
    c.env.DB.prepare("SELECT team_id FROM team_members WHERE user_id = ?").bind(c.var.user.id).all<{ team_id: string }>(),
    readSettings(c.env.DB),
  ]);
  const headers = new Headers({
    Upgrade: "websocket",
    [HUB_IDENTITY_HEADERS.userId]: c.var.user.id,
    [HUB_IDENTITY_HEADERS.role]: c.var.user.role,
    // Header values are ASCII: the name goes percent-encoded and the hub decodes it.
    [HUB_IDENTITY_HEADERS.name]: encodeURIComponent(c.var.user.name),
    [HUB_IDENTITY_HEADERS.teamIds]: JSON.stringify(teams.results.map((r) => r.team_id)),
    [HUB_IDENTITY_HEADERS.seesAll]: settings.agentsSeeAllConversations ? "1" : "0",
  });
  // Empty for an API-token client: its sockets have no session and close with disconnectUser.
  if (c.var.sessionId) headers.set(HUB_IDENTITY_HEADERS.sessionId, c.var.sessionId);
  const hub = c.env.HUB.getByName(WORKSPACE_HUB);
  return hub.fetch(new Request("https://hub.internal/connect", { headers }));
});
