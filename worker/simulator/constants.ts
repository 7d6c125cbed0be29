/**
 * The simulated WhatsApp Business number and the simulator's timing, in one place.
 * The ids follow Meta's shapes (numeric strings) but lie outside the ranges Meta hands out in
 * examples, so a simulated channel is never mistaken for a real one.
 */
export const SIM_PHONE_NUMBER_ID = "100000000000001";
export const SIM_DISPLAY_PHONE_NUMBER = "15550100001";
export const SIM_WABA_ID = "100000000000002";
export const SIM_BUSINESS_NAME = "Chorus Simulator";

/** One SimulatorDO holds every simulated customer (one business number, one "phone network"). */
export const SIMULATOR_DO_NAME = "simulator";

/** Meta sends "sent" at once, "delivered" when the phone gets it, "read" when the chat is open. */
export const DELIVERED_AFTER_MS = 1_000;
export const READ_AFTER_MS = 1_000;

/**
 * The page polls the chat every ~1 s while it is open; each poll marks the chat as open for this
 * long, so a closed tab stops producing read receipts within a few seconds.
 */
export const CHAT_OPEN_LEASE_MS = 4_000;

/** Meta retries a refused webhook with backoff; the simulator does the same a few times, then gives up. */
export const WEBHOOK_MAX_ATTEMPTS = 5;
export const WEBHOOK_RETRY_BASE_MS = 1_000;
