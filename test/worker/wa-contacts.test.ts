/**
 * Issue 5, one contact per person: E.164 digits; Brazil's ninth digit, Argentina's mobile 9 and
 * Mexico's old mobile 1 resolve to the contact already holding the other form; a phone and a
 * business-scoped user id held by two rows merge into the older one (its thread goes on).
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { e164Digits, numberVariants } from "../../worker/services/contact-identity";
import { useWaGraph } from "./helpers/wa-graph";
import { conversationOf, inbound, postWebhook } from "./helpers/webhook";

useWaGraph();

function digits(n: number): string {
  return String(Math.floor(Math.random() * 10 ** n)).padStart(n, "0");
}

async function contactsHolding(...waIds: string[]) {
  const { results } = await env.DB.prepare("SELECT id, wa_id FROM contacts WHERE wa_id IN (SELECT value FROM json_each(?))")
    .bind(JSON.stringify(waIds))
    .all<{ id: string; wa_id: string }>();
  return results;
}

async function messageCount(conversationId: string): Promise<number> {
  return (await env.CONVERSATION.getByName(conversationId).listMessages({ cursor: null, limit: 100 }))!.messages.length;
}

describe("numbers", () => {
  it("are E.164 digits; only the known national variants pair up", ({ expect }) => {
    expect(e164Digits("+55 (11) 98765-4321")).toBe("5511987654321");
    expect(e164Digits("0044 20 7946 0958")).toBe("442079460958");
    expect(e164Digits("US.13491208655302741918")).toBe("US.13491208655302741918");
    expect(numberVariants("5511987654321")).toEqual(["5511987654321", "551187654321"]);
    expect(numberVariants("551187654321")).toEqual(["551187654321", "5511987654321"]);
    // A Brazilian landline (starts 2–5) has no ninth-digit form.
    expect(numberVariants("551132654321")).toEqual(["551132654321"]);
    expect(numberVariants("5491123456789")).toEqual(["5491123456789", "541123456789"]);
    expect(numberVariants("541123456789")).toEqual(["541123456789", "5491123456789"]);
    expect(numberVariants("5215512345678")).toEqual(["5215512345678", "525512345678"]);
    expect(numberVariants("16505551234")).toEqual(["16505551234"]);
  });

  it("Brazil: a message without the ninth digit reaches the contact and thread of the number with it", async ({ expect }) => {
    const local = `9${digits(8).replace(/^./, "8")}`;
    const withNine = `5511${local}`;
    const withoutNine = `5511${local.slice(1)}`;
    await postWebhook(inbound({ from: withNine, text: "oi" }));
    const thread = (await conversationOf({ waId: withNine }))!;
    await postWebhook(inbound({ from: withoutNine, text: "tudo bem?" }));
    expect(await contactsHolding(withNine, withoutNine)).toHaveLength(1);
    expect(await messageCount(thread)).toBe(2);
  });

  it("Argentina: 54 9 … and 54 … are the same person, either way round", async ({ expect }) => {
    const rest = `11${digits(8)}`;
    await postWebhook(inbound({ from: `54${rest}`, text: "hola" }));
    const thread = (await conversationOf({ waId: `54${rest}` }))!;
    await postWebhook(inbound({ from: `549${rest}`, text: "¿sigue ahí?" }));
    expect(await contactsHolding(`54${rest}`, `549${rest}`)).toHaveLength(1);
    expect(await messageCount(thread)).toBe(2);
  });

  it("Mexico: 52 1 … and 52 … are the same person", async ({ expect }) => {
    const rest = `55${digits(8)}`;
    await postWebhook(inbound({ from: `521${rest}`, text: "hola" }));
    const thread = (await conversationOf({ waId: `521${rest}` }))!;
    await postWebhook(inbound({ from: `52${rest}`, text: "otra vez" }));
    expect(await contactsHolding(`521${rest}`, `52${rest}`)).toHaveLength(1);
    expect(await messageCount(thread)).toBe(2);
  });

  it("different people stay different", async ({ expect }) => {
    const a = `1555${digits(7)}`;
    const b = `1555${digits(7)}`;
    await postWebhook(inbound({ from: a }));
    await postWebhook(inbound({ from: b }));
    expect(await contactsHolding(a, b)).toHaveLength(2);
  });
});

describe("phone and business-scoped user id", () => {
  it("two rows of one person (a phone, and a user id known alone) merge into the older when Meta sends both", async ({ expect }) => {
    const from = `1555${digits(7)}`;
    const userId = `US.${digits(15)}`;
    await postWebhook(inbound({ from, text: "by phone" }));
    const phoneThread = (await conversationOf({ waId: from }))!;
    await postWebhook(inbound({ from: null, userId, username: "kai", text: "by username" }));
    const { results: before } = await env.DB.prepare("SELECT id FROM contacts WHERE wa_id = ?1 OR user_id = ?2").bind(from, userId).all();
    expect(before).toHaveLength(2);

    await postWebhook(inbound({ from, userId, text: "both at once" }));
    const rows = await env.DB.prepare(`SELECT id, wa_id, user_id, username, merged_into_id FROM contacts
       WHERE wa_id = ?1 OR user_id = ?2 OR merged_into_id IN (SELECT id FROM contacts WHERE wa_id = ?1)`)
      .bind(from, userId)
      .all<{ id: string; wa_id: string | null; user_id: string | null; username: string | null; merged_into_id: string | null }>();
    const survivor = rows.results.find((r) => r.wa_id === from)!;
    expect(survivor).toMatchObject({ user_id: userId, username: "kai", merged_into_id: null });
    const merged = rows.results.find((r) => r.id !== survivor.id)!;
    expect(merged).toMatchObject({ wa_id: null, user_id: null, merged_into_id: survivor.id });
    expect(await conversationOf({ userId })).toBe(phoneThread);
    expect(await messageCount(phoneThread)).toBe(2);
  });
});
