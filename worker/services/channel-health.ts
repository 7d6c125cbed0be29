/**
 * A number's health as Owners see it (issue 5): the last webhook (channels.last_webhook_at, kept by
 * the webhook's channel upsert) and the errors Meta reported — value-level `errors` of a webhook
 * (e.g. 131000 something went wrong, 130472 experiment number), media that could not be fetched.
 * Recorded in `channel_errors` (newest first) and summarised on the channel row.
 */
import type { Env } from "../env";
import { newId } from "../ids";
import type { ChannelInfo, MetaError } from "../whatsapp/normalise";
import { resolveChannel } from "./channels";

export interface ChannelErrorRecord {
  id: string;
  at: number;
  code: number;
  title: string;
  details: string | null;
  source: string;
}

/** Keep this many errors per channel; older ones are dropped as new ones come. */
export const CHANNEL_ERRORS_KEPT = 200;

/** Record errors Meta reported for numbers; never throws (a webhook must not fail over its errors). */
export async function recordChannelErrors(
  env: Env,
  errors: Array<{ channel: ChannelInfo; error: MetaError }>,
  source = "webhook",
  now = Date.now(),
): Promise<number> {
  if (errors.length === 0) return 0;
  try {
    const statements: D1PreparedStatement[] = [];
    for (const { channel, error } of errors) {
      const record = await resolveChannel(env.DB, channel, now);
      console.warn("whatsapp reported an error", channel.phoneNumberId, error.code, error.title, error.details ?? "");
      statements.push(
        env.DB.prepare("INSERT INTO channel_errors (id, channel_id, at, code, title, details, source) VALUES (?, ?, ?, ?, ?, ?, ?)").bind(
          newId("cerr"),
          record.id,
          now,
          error.code,
          error.title,
          error.details,
          source,
        ),
        env.DB.prepare("UPDATE channels SET last_error_at = ?, last_error_code = ?, last_error_title = ? WHERE id = ?").bind(
          now,
          error.code,
          error.title,
          record.id,
        ),
        env.DB.prepare(
          `DELETE FROM channel_errors WHERE channel_id = ?1 AND id NOT IN
             (SELECT id FROM channel_errors WHERE channel_id = ?1 ORDER BY at DESC, id DESC LIMIT ${CHANNEL_ERRORS_KEPT})`,
        ).bind(record.id),
      );
    }
    await env.DB.batch(statements);
    return errors.length;
  } catch (err) {
    console.error("channel errors could not be recorded", err);
    return 0;
  }
}

/** A channel's recorded errors, newest first. */
export async function listChannelErrors(db: D1Database, channelId: string, limit = 50): Promise<ChannelErrorRecord[]> {
  const { results } = await db
    .prepare("SELECT id, at, code, title, details, source FROM channel_errors WHERE channel_id = ? ORDER BY at DESC, id DESC LIMIT ?")
    .bind(channelId, limit)
    .all<ChannelErrorRecord>();
  return results;
}
