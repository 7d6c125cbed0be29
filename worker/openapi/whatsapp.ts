/**
 * Registry entries for the WhatsApp routes of issue 5: media (serve, send), reactions, the numbers
 * (channels) with their health and errors, and template sync. Spread into `routes` by
 * worker/openapi/registry.ts; schemas come from worker/contracts/whatsapp.ts and the route modules.
 */
import * as v from "valibot";
import { ChannelDirectory, SendMessageResponse } from "../contracts/api";
import {
  ReactionBody,
  ChannelErrorList,
  ChannelSettingsList,
  ChannelSettingsResponse,
  TemplateSyncResponse,
  UpdateChannelBody,
} from "../contracts/whatsapp";
import { CreatedTemplate, CreateTemplateBody, TemplateMediaResponse, TemplateViewList } from "../contracts/templates";
import type { Role } from "../env";
import { ChannelErrorsQuery } from "../routes/channels";
import { MediaParams } from "../routes/media";
import type { RouteDoc } from "./registry";

export type WhatsAppTag = "Media" | "Channels";

export const whatsappTagDescriptions: Record<WhatsAppTag, string> = {
  Media: "Pictures, voice notes, videos, documents and stickers: stored in Chorus once, served only to who may see the conversation.",
  Channels: "The workspace's WhatsApp numbers: name, business account, own access token, default team, health (Owner only).",
};

const id = (what: string) => v.pipe(v.string(), v.maxLength(64), v.description(`The ${what} id.`));
const ConversationIdParams = v.object({ id: id("conversation (cnv_…)") });
const ChannelIdParams = v.object({ id: id("channel (chn_…)") });
const IdempotencyHeaders = v.object({
  "Idempotency-Key": v.optional(
    v.pipe(v.string(), v.minLength(1), v.maxLength(255), v.description("A unique string per file you mean to send; a retry with it never uploads or sends twice.")),
  ),
});
const OWNER: readonly Role[] = ["owner"];
const MANAGERS: readonly Role[] = ["owner", "manager"];
const HIDDEN_CONVERSATION = "not_found: no such conversation (or not yours to see).";

export const whatsappRoutes: readonly RouteDoc[] = [
  {
    method: "GET",
    path: "/api/media/{conversationId}/{messageId}",
    operationId: "getMessageMedia",
    summary: "A message's file (picture, voice note, video, document, sticker)",
    description:
      "Served from Chorus's own storage with the file's type, `X-Content-Type-Options: nosniff` and a sandboxing Content-Security-Policy. Pictures, audio and video are `inline`; anything else is an `attachment` with a sanitised file name. Inbound files are fetched from WhatsApp right after the message arrives (with retries); until then the answer is 409 media_pending.",
    tag: "Media",
    auth: "user",
    request: { params: MediaParams },
    responses: { 200: { description: "The file.", content: { mediaType: "application/octet-stream", description: "The stored file, with its own Content-Type." } } },
    errors: {
      404: `${HIDDEN_CONVERSATION} Or the message has no file.`,
      409: "media_pending: the file is still being fetched from WhatsApp (Retry-After given).",
      410: "media_failed: WhatsApp never delivered the file (its reason is in the message's content).",
    },
  },
  {
    method: "POST",
    path: "/api/conversations/{id}/media",
    operationId: "sendMedia",
    summary: "Send a picture, video, audio, document or sticker",
    description:
      "multipart/form-data: `file` (required), `caption` (not for audio and stickers), `kind` (image | video | audio | document | sticker; default from the file's type; a picture, video or audio file may go as a document), `replyTo` (the wamid of the customer message this answers), `voice` (`true`: send Ogg Opus audio as a voice note — WhatsApp's `audio.voice`). WhatsApp's limits are checked first: image JPEG/PNG up to 5 MB, video MP4/3GPP and audio AAC/AMR/MP3/MP4/OGG (Opus) up to 16 MB, document (PDF, plain text, Word, Excel, PowerPoint — or a type above sent as a file; anything else 422 `media_type_unsupported`) up to 100 MB, sticker WebP up to 100 KB static / 500 KB animated. The file is stored in Chorus, uploaded to WhatsApp and sent through the conversation's outbox (the 24-hour window and the reply lock apply, as for text).",
    tag: "Media",
    auth: "user",
    request: { params: ConversationIdParams, headers: IdempotencyHeaders },
    responses: { 201: { description: "The message, queued or already sent.", schema: SendMessageResponse } },
    errors: {
      404: HIDDEN_CONVERSATION,
      409: "locked: someone else is replying. Or idempotency_conflict.",
      413: "media_too_large: over WhatsApp's limit for that kind of file.",
      422: "media_type_unsupported: WhatsApp does not accept that type for that kind. Or media_empty. Or window_closed.",
      502: "media_upload_failed: WhatsApp refused the file.",
      503: "media_upload_failed: WhatsApp could not take the file right now; try again.",
    },
  },
  {
    method: "POST",
    path: "/api/conversations/{id}/reactions",
    operationId: "reactToMessage",
    summary: "React to a message with an emoji (or remove the reaction)",
    description:
      "{messageId, emoji}: the business's reaction to a customer's (or its own) message, shown on that message, not as a new one. \"\" removes it. Needs the 24-hour window, like any free-form message.",
    tag: "Messages",
    auth: "user",
    request: { params: ConversationIdParams, body: ReactionBody },
    responses: { 200: { description: "The message with its reactions.", schema: v.object({ message: SendMessageResponse.entries.message }) } },
    errors: {
      404: `${HIDDEN_CONVERSATION} Or message_not_found: no such message with a WhatsApp id in this conversation.`,
      409: "locked: someone else is replying.",
      422: "window_closed.",
      502: "whatsapp_error: WhatsApp refused the reaction and it was taken back; `message` is Meta's reason as a sentence, `metaCode` Meta's code and `reason` its stable name.",
    },
  },
  {
    method: "GET",
    path: "/api/channels/directory",
    operationId: "listChannelDirectory",
    summary: "Every number's id, display name and phone number, for anyone signed in",
    description: "What the inbox needs to name the number a conversation came in on and to filter by it; no settings, tokens or health.",
    tag: "Channels",
    auth: "user",
    responses: { 200: { description: "Every number, oldest first.", schema: ChannelDirectory } },
  },
  {
    method: "GET",
    path: "/api/channels",
    operationId: "listChannels",
    summary: "The workspace's WhatsApp numbers, with their settings and health",
    tag: "Channels",
    auth: "user",
    roles: OWNER,
    responses: { 200: { description: "Every number.", schema: ChannelSettingsList } },
  },
  {
    method: "PATCH",
    path: "/api/channels/{id}",
    operationId: "updateChannel",
    summary: "Change a number's name, business account, own access token, default team or sending rate",
    description:
      "Only the fields given change. `accessToken` is write-only (encrypted at rest with CHANNEL_TOKEN_KEY, never returned; null removes it). Audit-logged without the token.",
    tag: "Channels",
    auth: "user",
    roles: OWNER,
    request: { params: ChannelIdParams, body: UpdateChannelBody },
    responses: { 200: { description: "The number after the change.", schema: ChannelSettingsResponse } },
    errors: {
      404: "not_found: no such channel.",
      422: "invalid_team: no such team. Or token_key_missing: CHANNEL_TOKEN_KEY is not set.",
    },
  },
  {
    method: "GET",
    path: "/api/channels/{id}/errors",
    operationId: "listChannelErrors",
    summary: "Errors WhatsApp reported for a number, newest first",
    tag: "Channels",
    auth: "user",
    roles: OWNER,
    request: { params: ChannelIdParams, query: ChannelErrorsQuery },
    responses: { 200: { description: "The recorded errors.", schema: ChannelErrorList } },
    errors: { 404: "not_found: no such channel." },
  },
  {
    method: "POST",
    path: "/api/templates/sync",
    operationId: "syncTemplates",
    summary: "Fetch every template of every known WhatsApp Business Account from Meta",
    description:
      "All pages of GET /{waba-id}/message_templates. Status changes also arrive instantly through Meta's message_template_status_update webhook.",
    tag: "Templates",
    auth: "user",
    roles: MANAGERS,
    responses: { 200: { description: "How many templates each account had.", schema: TemplateSyncResponse } },
    errors: {
      422: "no_business_account: no WhatsApp Business Account id is known yet.",
      502: "template_sync_failed: Meta did not answer for any account.",
    },
  },
  {
    method: "GET",
    path: "/api/templates/all",
    operationId: "listAllTemplates",
    summary: "Every template whatever its status, with Meta's reason (Settings → Templates)",
    tag: "Templates",
    auth: "user",
    roles: MANAGERS,
    responses: { 200: { description: "Approved, pending, rejected, paused and disabled templates, with their components.", schema: TemplateViewList } },
  },
  {
    method: "POST",
    path: "/api/templates",
    operationId: "createTemplate",
    summary: "Create a template and submit it to Meta for review",
    description: [
      "Meta's rules are checked first (name lowercase a–z, 0–9 and _ up to 512; body up to 1024 with {{1}}, {{2}}… in order,",
      "not at its start or end, never adjacent, one example each; header text up to 60 with at most {{1}} and its example, or",
      "an IMAGE / VIDEO / DOCUMENT header with the handle from POST /api/templates/media; footer up to 60 without variables;",
      "up to 10 buttons: quick replies (10), URL (2, {{1}} only at the end, with its example), phone (1); labels up to 25,",
      "quick replies kept together). A broken rule answers 422 `template_<rule>` with `field` naming the field. AUTHENTICATION",
      "templates take `authentication` (Meta writes their body and copy-code button). The template goes to",
      "POST /{waba-id}/message_templates with that account's token and is stored with Meta's id and status (PENDING); Meta's",
      "verdict arrives by webhook.",
    ].join(" "),
    tag: "Templates",
    auth: "user",
    roles: MANAGERS,
    request: { body: CreateTemplateBody },
    responses: { 201: { description: "The template as stored, usually PENDING.", schema: CreatedTemplate } },
    errors: {
      409: "template_exists: the account already has a template with this name and language.",
      422: "template_<rule>: a Meta rule is broken (`field` names it). Or no_business_account, business_account_required (several accounts: give wabaId), unknown_business_account. Or meta_rejected: Meta refused the content (its words are given).",
      502: "meta_error / meta_unreachable: Meta failed or could not be reached.",
    },
  },
  {
    method: "POST",
    path: "/api/templates/media",
    operationId: "uploadTemplateHeaderMedia",
    summary: "Upload a media header's example to Meta (Resumable Upload API) and get its handle",
    description:
      "multipart/form-data: `file` (JPEG or PNG image up to 5 MB, MP4 video or PDF document up to 16 MB) and optional `wabaId`. Chorus opens an upload session (POST /{app-id}/uploads; the app is WHATSAPP_APP_ID, else the token's own app) and sends the bytes (POST /upload:{session}); Meta's `h` handle goes into the template's header as `handle`.",
    tag: "Templates",
    auth: "user",
    roles: MANAGERS,
    responses: { 200: { description: "Meta's handle and the header format it suits.", schema: TemplateMediaResponse } },
    errors: {
      422: "unsupported_media, empty_file, media_too_large (`field`: file). Or meta_upload_failed. Or an account error as for POST /api/templates.",
      502: "meta_upload_failed / meta_unreachable: Meta failed or could not be reached.",
    },
  },
];
