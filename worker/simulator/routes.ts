/**
 * /simulator: the built-in WhatsApp simulator (design.md, "The simulator"). Off unless
 * SIMULATOR=on (npm start sets it; wrangler.toml ships "off"): every path then answers 404 as if
 * nothing were here.
 *
 *   /simulator                   the page where you play customers
 *   /simulator/assets/*          its script and styles
 *   /simulator/api/*             the page's JSON API (customers, chats, send as a customer)
 *   /simulator/graph[/vNN.N]/*   the Graph API fake the Worker reaches through GRAPH_API_URL
 */
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { errorBody } from "../errors";
import { simulatorApiRoutes } from "./api-routes";
import { graphRoutes } from "./graph-routes";
import { simulatorPageRoutes } from "./page";

export const simulatorRoutes = new Hono<AppEnv>();

simulatorRoutes.use("*", async (c, next) => {
  if (c.env.SIMULATOR !== "on") return c.json(errorBody("not_found", "There is nothing at this address."), 404);
  await next();
});

simulatorRoutes.route("/graph", graphRoutes);
simulatorRoutes.route("/api", simulatorApiRoutes);
simulatorRoutes.route("/", simulatorPageRoutes);
simulatorRoutes.get("/", (c) => c.redirect("/simulator"));
