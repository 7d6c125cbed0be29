/**
 * /api/channels — the WhatsApp numbers of the workspace (issue 5), Owner only (design.md, Roles),
 * except the directory of names:
 *
 *   GET   /api/channels/directory   every signed-in user: each number's id, name and phone (the
 *                                   inbox's channel filter and labels; nothing secret)
 *   GET   /api/channels             every number with its settings and health
 *   PATCH /api/channels/:id         {name?, wabaId?, accessToken?, defaultTeamId?, messagesPerSecond?}
 *   GET   /api/channels/:id/errors  errors Meta reported for the number, newest first
 *
 * An access token is write-only: it is encrypted at rest (CHANNEL_TOKEN_KEY) and never returned;
 * `hasOwnToken` says whether one is set. Changes are audit-logged (without the token).
 */
import { Hono } from "hono";
import * as v from "valibot";
import { audit } from "../audit";
import { requireRole, requireUser } from "../auth/middleware";
import { UpdateChannelBody } from "../contracts/whatsapp";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { listChannelErrors } from "../services/channel-health";
import { getChannelSettings, listChannelDirectory, listChannelSettings, updateChannel } from "../services/phone-numbers";
import { validate } from "../validation";

const IdParam = v.object({ id: v.pipe(v.string(), v.minLength(1), v.maxLength(64)) });
export const ChannelErrorsQuery = v.object({
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d{1,3}$/, "limit is a number from 1 to 200"))),
});

function notFound(): ApiError {
  return new ApiError(404, "not_found", "There is no such channel.");
}

const owner = requireRole("owner");

export const channelRoutes = new Hono<AppEnv>()
  .use(requireUser)
  // Agents see which number a thread came in on: names and phone numbers only, never settings.
  .get("/directory", async (c) => c.json({ channels: await listChannelDirectory(c.env.DB) }))
  .get("/", owner, async (c) => c.json({ channels: await listChannelSettings(c.env.DB) }))
  .patch("/:id", owner, validate("param", IdParam), validate("json", UpdateChannelBody), async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const result = await updateChannel(c.env.DB, c.env.CHANNEL_TOKEN_KEY, id, body);
    if (!result.ok) {
      switch (result.reason) {
        case "not_found":
          throw notFound();
        case "invalid_team":
          throw new ApiError(422, "invalid_team", "There is no such team.");
        case "token_key_missing":
          throw new ApiError(
            422,
            "token_key_missing",
            "Set the CHANNEL_TOKEN_KEY secret (wrangler secret put CHANNEL_TOKEN_KEY) before saving a number's own access token.",
          );
      }
    }
    // The number's pacer reads the rate again at once.
    if (body.messagesPerSecond !== undefined) await c.env.SEND_RATE.getByName(id).refresh();
    if (result.changed.length) {
      await audit(c, { action: "settings.changed", targetType: "channel", targetId: id, details: { channel: result.changed } });
    }
    return c.json({ channel: result.channel });
  })
  .get("/:id/errors", owner, validate("param", IdParam), validate("query", ChannelErrorsQuery), async (c) => {
    const { id } = c.req.valid("param");
    const limit = Math.min(Math.max(Number(c.req.valid("query").limit ?? 50), 1), 200);
    if (!(await getChannelSettings(c.env.DB, id))) throw notFound();
    return c.json({ errors: await listChannelErrors(c.env.DB, id, limit) });
  });
