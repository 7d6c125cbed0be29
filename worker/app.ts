/**
 * The Hono app: /api/*, /webhooks/* and (only when SIMULATOR=on) /simulator/*.
 * One route module per resource; one error mapper; everything else is SvelteKit (worker/index.ts).
 */
import { Hono } from "hono";
import type { AppEnv } from "./env";
import { errorBody, handleError } from "./errors";
import { securityHeaders } from "./security-headers";
import { benchMetrics } from "./bench-metrics";
import { csrfGuard } from "./auth/csrf";
import { apiBodyLimit } from "./api-body-limit";
import { whatsappWebhookRoutes } from "./routes/webhooks-whatsapp";
import { setupRoutes } from "./routes/setup";
import { sessionRoutes } from "./routes/session";
import { conversationRoutes } from "./routes/conversations";
import { assignmentPolicyRoutes } from "./routes/assignment-policies";
import { templateRoutes } from "./routes/templates";
import { eventRoutes } from "./routes/events";
import { openapiRoutes } from "./routes/openapi";
import { simulatorRoutes } from "./simulator/routes";
import { conversationMediaRoutes, mediaRoutes } from "./routes/media";
import { reactionRoutes } from "./routes/reactions";
import { channelRoutes } from "./routes/channels";
import { userRoutes } from "./routes/users";
import { invitationRoutes } from "./routes/invitations";
import { passwordResetRoutes } from "./routes/password-resets";
import { teamRoutes } from "./routes/teams";
import { tokenRoutes } from "./routes/tokens";
import { auditLogRoutes } from "./routes/audit-log";
import { settingsRoutes } from "./routes/settings";
import { conversationLabelRoutes, labelRoutes } from "./routes/labels";
import { quickReplyRoutes } from "./routes/quick-replies";
import { notificationRoutes } from "./routes/notifications";
import { viewRoutes } from "./routes/views";
import { searchRoutes } from "./routes/search";
import { businessHoursRoutes, reportRoutes } from "./routes/reports";

export const app = new Hono<AppEnv>();

// First, so its timing covers every other middleware (a no-op unless BENCH_METRICS=on locally).
app.use("*", benchMetrics);
app.use("*", securityHeaders);
app.use("/api/*", csrfGuard);
app.use("/api/*", apiBodyLimit);

app.route("/webhooks/whatsapp", whatsappWebhookRoutes);
app.route("/api/setup", setupRoutes);
app.route("/api/session", sessionRoutes);
app.route("/api/users", userRoutes);
app.route("/api/invitations", invitationRoutes);
app.route("/api/password-resets", passwordResetRoutes);
app.route("/api/teams", teamRoutes);
app.route("/api/tokens", tokenRoutes);
app.route("/api/audit-log", auditLogRoutes);
app.route("/api/settings", settingsRoutes);
app.route("/api/conversations", conversationRoutes);
app.route("/api/assignment-policies", assignmentPolicyRoutes);
app.route("/api/conversations", conversationLabelRoutes);
app.route("/api/labels", labelRoutes);
app.route("/api/quick-replies", quickReplyRoutes);
app.route("/api/notifications", notificationRoutes);
app.route("/api/views", viewRoutes);
app.route("/api/search", searchRoutes);
app.route("/api/reports", reportRoutes);
app.route("/api/business-hours", businessHoursRoutes);
app.route("/api/templates", templateRoutes);
// Issue 5: media, reactions, numbers.
app.route("/api/media", mediaRoutes);
app.route("/api/conversations", conversationMediaRoutes);
app.route("/api/conversations", reactionRoutes);
app.route("/api/channels", channelRoutes);
app.route("/api/events", eventRoutes);
app.route("/api", openapiRoutes);
app.route("/simulator", simulatorRoutes);

app.notFound((c) => c.json(errorBody("not_found", "There is nothing at this address."), 404));
app.onError(handleError);

/** Paths the Hono app answers; everything else goes to SvelteKit. */
export function isAppPath(pathname: string): boolean {
  return (
    pathname.startsWith("/api/") ||
    pathname === "/api" ||
    pathname.startsWith("/webhooks/") ||
    pathname === "/simulator" ||
    pathname.startsWith("/simulator/")
  );
}
