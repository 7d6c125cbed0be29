/**
 * /api/assignment-policies: how threads are assigned automatically (issue 4).
 *
 *   GET /api/assignment-policies                     every team's and channel's policy (Owner, Manager)
 *   PUT /api/assignment-policies/teams/:teamId       {strategy, capacity?} (Owner, Manager: teams are theirs)
 *   PUT /api/assignment-policies/channels/:channelId {defaultTeamId?, strategy?, capacity?} (Owner: channels are)
 *
 * Strategies: "manual" (nobody is picked; the thread waits in the queue), "round_robin" (online
 * agents in turn), "fewest_open" (the online agent with the fewest open threads); `capacity` caps
 * each agent's open threads (null: no cap). A thread with a team follows its team's policy; a
 * thread without one follows its channel's, and a channel's `defaultTeamId` gives its new threads
 * their team. After a change, threads waiting for an agent are offered again.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { audit } from "../audit";
import { requireRole, requireUser } from "../auth/middleware";
import { ChannelAssignmentPolicyBody, TeamAssignmentPolicyBody } from "../contracts/api";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { listPolicies, putChannelPolicy, putTeamPolicy } from "../services/assignment-policies";
import { offerWaitingConversations } from "../services/assignment-queue";
import { validate } from "../validation";

const TeamParam = v.object({ teamId: v.pipe(v.string(), v.minLength(1), v.maxLength(64)) });
const ChannelParam = v.object({ channelId: v.pipe(v.string(), v.minLength(1), v.maxLength(64)) });

export const assignmentPolicyRoutes = new Hono<AppEnv>()
  .use(requireUser, requireRole("owner", "manager"))
  .get("/", async (c) => c.json(await listPolicies(c.env.DB)))
  .put("/teams/:teamId", validate("param", TeamParam), validate("json", TeamAssignmentPolicyBody), async (c) => {
    const { teamId } = c.req.valid("param");
    const body = c.req.valid("json");
    const policy = await putTeamPolicy(c.env.DB, teamId, { strategy: body.strategy, capacity: body.capacity });
    if (!policy) throw new ApiError(404, "not_found", "There is no such team.");
    await audit(c, { action: "settings.changed", targetType: "team", targetId: teamId, details: { assignmentPolicy: body } });
    await offerWaitingConversations(c.env, { teamId });
    return c.json({ policy });
  })
  .put("/channels/:channelId", requireRole("owner"), validate("param", ChannelParam), validate("json", ChannelAssignmentPolicyBody), async (c) => {
    const { channelId } = c.req.valid("param");
    const body = c.req.valid("json");
    const result = await putChannelPolicy(c.env.DB, channelId, {
      defaultTeamId: body.defaultTeamId,
      strategy: body.strategy,
      capacity: body.capacity,
    });
    if (!result.ok) {
      throw result.reason === "no_channel"
        ? new ApiError(404, "not_found", "There is no such channel.")
        : new ApiError(422, "invalid_team", "There is no such team.");
    }
    await audit(c, { action: "settings.changed", targetType: "channel", targetId: channelId, details: { assignmentPolicy: body } });
    await offerWaitingConversations(c.env, { channelId });
    return c.json({ policy: result.policy });
  });
