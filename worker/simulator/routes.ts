import { Hono } from "hono";
import type { AppEnv } from "../env";

// Placeholder: filled in by the simulator work (issue 2).
export const simulatorRoutes = new Hono<AppEnv>();
