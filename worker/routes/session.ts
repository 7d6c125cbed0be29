import { Hono } from "hono";
import type { AppEnv } from "../env";

// Placeholder: filled in by the foundation work (issue 2).
export const sessionRoutes = new Hono<AppEnv>();
