/**
 * The Hono app: /api/*, /webhooks/* and (only when SIMULATOR=on) /simulator/*.
 * One route module per resource; one error mapper; everything else is SvelteKit (worker/index.ts).
 */
import { Hono } from "hono";
import type { AppEnv } from "./env";
import { errorBody, handleError } from "./errors";
import { securityHeaders } from "./security-headers";
import { csrfGuard } from "./auth/csrf";
import { whatsappWebhookRoutes } from "./routes/webhooks-whatsapp";
import { setupRoutes } from "./routes/setup";
import { sessionRoutes } from "./routes/session";
import { conversationRoutes } from "./routes/conversations";
import { templateRoutes } from "./routes/templates";
import { eventRoutes } from "./routes/events";
import { openapiRoutes } from "./routes/openapi";
import { simulatorRoutes } from "./simulator/routes";

export const app = new Hono<AppEnv>();

app.use("*", securityHeaders);
app.use("/api/*", csrfGuard);

app.route("/webhooks/whatsapp", whatsappWebhookRoutes);
app.route("/api/setup", setupRoutes);
app.route("/api/session", sessionRoutes);
app.route("/api/conversations", conversationRoutes);
app.route("/api/templates", templateRoutes);
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
