import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

/** Placeholder: the simulator's state (customers, what they received). */
export class SimulatorDO extends DurableObject<Env> {}
