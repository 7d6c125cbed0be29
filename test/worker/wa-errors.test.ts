/**
 * Issue 5, error codes: every code of Meta's table becomes a stable reason and a sentence an agent
 * understands — in English from the server and in English and Japanese in the web app (by reason);
 * temporary codes are retried, with longer waits for Meta's "slow down" codes (130429, 131056).
 */
import { describe, it } from "vitest";
import { explainMetaError, KNOWN_ERROR_CODES, RETRIES_EXHAUSTED } from "../../worker/whatsapp/error-sentences";
import { classifyResponse } from "../../worker/whatsapp/graph-client";
import { PAIR_RATE_MIN_DELAY_MS, rateLimitBackoff } from "../../worker/whatsapp/rate-limits";
import en from "../../web/src/lib/i18n/en";
import ja from "../../web/src/lib/i18n/ja";
import whatsappEn from "../../web/src/lib/i18n/whatsapp.en";
import whatsappJa from "../../web/src/lib/i18n/whatsapp.ja";

const failureEn: Record<string, string> = { ...en.failure, ...whatsappEn.failure };
const failureJa: Record<string, string> = { ...ja.failure, ...whatsappJa.failure };

/** Meta's permanent codes the issue names, and the rest of its table. */
const PERMANENT = [
  0, 3, 10, 33, 100, 190, 200, 250, 299, 368, 130472, 130497, 131005, 131008, 131009, 131021, 131026, 131031, 131037, 131042, 131045, 131047, 131048,
  131049, 131050, 131051, 131052, 131053, 131057, 131060, 131062, 132000, 132001, 132005, 132007, 132012, 132015, 132016, 132068, 132069, 133000,
  133005, 133006, 133008, 133009, 133010, 133015, 133016, 135000,
];
const TEMPORARY = [1, 2, 4, 80007, 130429, 131000, 131016, 131056, 133004];

describe("Meta's error codes → a sentence an agent understands", () => {
  it.for(PERMANENT)("%i is permanent, with its own reason and a sentence in English and Japanese", (code, { expect }) => {
    const explanation = explainMetaError(code, "Meta's title");
    expect(explanation.retryable).toBe(false);
    expect(explanation.reason).not.toBe("whatsapp_error");
    expect(explanation.sentence.length).toBeGreaterThan(20);
    expect(explanation.sentence).not.toMatch(/Meta's title/);
    expect(failureEn[explanation.reason], `en failure.${explanation.reason}`).toBeTruthy();
    expect(failureJa[explanation.reason], `ja failure.${explanation.reason}`).toMatch(/[ぁ-んァ-ン一-龯]/);
  });

  it.for(TEMPORARY)("%i is temporary: Chorus retries it", (code, { expect }) => {
    const explanation = explainMetaError(code);
    expect(explanation.retryable).toBe(true);
    expect(failureEn[explanation.reason]).toBeTruthy();
    expect(failureJa[explanation.reason]).toBeTruthy();
  });

  it("every code in the table and every reason it uses is translated (no key missing in either language)", ({ expect }) => {
    const reasons = new Set([...KNOWN_ERROR_CODES.map((c) => explainMetaError(c).reason), RETRIES_EXHAUSTED.reason, "whatsapp_error", "template_error"]);
    for (const reason of reasons) {
      expect(failureEn[reason], `en ${reason}`).toBeTruthy();
      expect(failureJa[reason], `ja ${reason}`).toBeTruthy();
    }
    expect(Object.keys(failureJa).sort()).toEqual(Object.keys(failureEn).sort());
  });

  it("codes Meta adds to a family get the family's meaning; an unknown code keeps Meta's title", ({ expect }) => {
    expect(explainMetaError(132099).reason).toBe("template_error");
    expect(explainMetaError(133099).reason).toBe("number_registration_problem");
    expect(explainMetaError(987654, "Brand new problem")).toEqual({
      reason: "whatsapp_error",
      sentence: "WhatsApp refused this message: Brand new problem.",
      retryable: false,
    });
  });

  it("the Graph client treats a known code by its meaning, whatever the HTTP status", async ({ expect }) => {
    const answer = (status: number, code: number) => new Response(JSON.stringify({ error: { message: `(#${code}) x`, code } }), { status });
    expect(await classifyResponse(answer(400, 131047))).toMatchObject({ kind: "permanent", code: 131047 });
    expect(await classifyResponse(answer(400, 130429))).toMatchObject({ kind: "retryable", code: 130429 });
    expect(await classifyResponse(answer(400, 131056))).toMatchObject({ kind: "retryable", code: 131056 });
    expect(await classifyResponse(answer(500, 135000))).toMatchObject({ kind: "permanent", code: 135000 });
  });
});

describe("backoff on Meta's slow-down codes", () => {
  it("131056 (pair limit) waits at least 6 s, doubling; 130429 adds jitter to the ordinary backoff", ({ expect }) => {
    expect(rateLimitBackoff(131056, 1, 5_000)).toBe(PAIR_RATE_MIN_DELAY_MS);
    expect(rateLimitBackoff(131056, 3, 45_000)).toBe(45_000);
    expect(rateLimitBackoff(131056, 4, 1_000)).toBe(48_000);
    expect(rateLimitBackoff(130429, 1, 5_000, 0.5)).toBe(5_500);
    expect(rateLimitBackoff(131000, 1, 5_000, 0.9)).toBe(5_000);
  });
});
