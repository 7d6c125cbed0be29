// Templates (issue 5): the create form's rules (the server's, shared), the draft → API body, the
// picker's slots, values from contact fields, what is sent, and the templates dictionaries.
import { IntlMessageFormat } from "intl-messageformat";
import { init, locale } from "svelte-i18n";
import { get } from "svelte/store";
import { _, type Translate } from "$lib/i18n";
import "$lib/i18n/templates"; // the page-level dictionary, as its pages register it
import { describe, expect, it } from "vitest";
import { draftShape, templateProblems, templateShape } from "$contracts/templates";
import templatesEn from "$lib/i18n/templates.en";
import templatesJa from "$lib/i18n/templates.ja";
import { bodyVariables, draftBody, draftProblems, emptyDraft, newButton, problemMessage } from "$lib/settings/templates/draft";
import { contactFieldValue, resolveValue, sendBody, sentText, slotsOf } from "$lib/templates.svelte";

function leaves(dict: object, prefix = ""): [string, string][] {
  return Object.entries(dict).flatMap(([key, value]) =>
    typeof value === "string" ? [[`${prefix}${key}`, value] as [string, string]] : leaves(value as object, `${prefix}${key}.`),
  );
}

const contact = { id: "ct_1", name: "Aiko Tanaka", waId: "819012345678", userId: null, username: "aiko" };

describe("the create form", () => {
  it("turns a draft into the API body, with examples only for the body's variables", () => {
    const draft = emptyDraft();
    draft.name = "order_update";
    draft.headerKind = "TEXT";
    draft.headerText = "Order {{1}}";
    draft.headerExample = "#7";
    draft.body = "Hi {{1}}, order {{2}} shipped.";
    draft.examples = ["Aiko", "#7", "left over"];
    draft.buttons = [{ ...newButton("URL"), text: "Track", url: "https://x.example/t/{{1}}", example: "7" }];
    expect(bodyVariables(draft)).toBe(2);
    expect(draftBody(draft)).toEqual({
      name: "order_update",
      language: "en_US",
      category: "UTILITY",
      header: { format: "TEXT", text: "Order {{1}}", example: "#7" },
      body: { text: "Hi {{1}}, order {{2}} shipped.", examples: ["Aiko", "#7"] },
      footer: null,
      buttons: [{ type: "URL", text: "Track", url: "https://x.example/t/{{1}}", example: "7" }],
    });
    expect(draftProblems(draft).size).toBe(0);
  });

  it("finds the same rule breaks as the server, one per field, with their sentence keys", () => {
    const draft = emptyDraft();
    draft.name = "Bad Name";
    draft.body = "{{1}} is here";
    draft.examples = [""];
    draft.buttons = [newButton("QUICK_REPLY")];
    const problems = draftProblems(draft);
    expect([...problems.entries()].map(([field, p]) => `${field}:${p.code}`)).toEqual([
      "name:name_format",
      "body.text:variable_at_start",
      "body.examples.0:example_missing",
      "buttons.0.text:button_text_required",
    ]);
    expect(problemMessage(problems.get("body.examples.0")!)).toEqual({ key: "templateRules.example_missing", values: { n: 1 } });
  });

  it("accepts what Meta accepts: grouped buttons either way round, a lone header variable, a link variable at the end", () => {
    const base = { name: "ok_one", language: "pt_BR", category: "MARKETING" as const, body: { text: "Hi {{1}}, see {{2}} now.", examples: ["A", "B"] } };
    const qr = (text: string) => ({ type: "QUICK_REPLY" as const, text });
    const link = { type: "URL" as const, text: "Open", url: "https://x.example/p/{{1}}", example: "9" };
    const phone = { type: "PHONE_NUMBER" as const, text: "Call", phoneNumber: "+44 20 7946 0000" };
    expect(templateProblems({ ...base, buttons: [link, qr("Yes"), qr("No")] })).toEqual([]);
    expect(templateProblems({ ...base, buttons: [qr("Yes"), qr("No"), link, phone] })).toEqual([]);
    expect(templateProblems({ ...base, header: { format: "TEXT", text: "{{1}}", example: "Sale" } })).toEqual([]);
    expect(templateProblems({ name: "otp", language: "en", category: "AUTHENTICATION", authentication: { codeExpirationMinutes: 90 } })).toEqual([]);
    expect(templateProblems({ ...base, buttons: [{ ...link, url: "https://x.example/{{1}}?a=b" }] }).map((p) => p.code)).toEqual(["url_variable"]);
  });

  it("previews the draft as the customer will see it: header, body, footer, buttons", () => {
    const draft = emptyDraft();
    draft.headerKind = "IMAGE";
    draft.headerHandle = "4::x";
    draft.body = "Your photo is ready.";
    draft.footer = "Chorus";
    draft.buttons = [{ ...newButton("PHONE_NUMBER"), text: "Call", phoneNumber: "+15551234567" }];
    expect(draftShape(draftBody(draft))).toEqual({
      header: { format: "IMAGE" },
      body: "Your photo is ready.",
      footer: "Chorus",
      buttons: [{ type: "PHONE_NUMBER", text: "Call", url: null, phone: "+15551234567", variable: false }],
    });
  });
});

describe("the composer picker", () => {
  const components = [
    { type: "HEADER", format: "TEXT", text: "Order {{1}}" },
    { type: "BODY", text: "Hi {{1}}, order {{2}} shipped." },
    { type: "FOOTER", text: "Thanks" },
    { type: "BUTTONS", buttons: [{ type: "QUICK_REPLY", text: "OK" }, { type: "URL", text: "Track", url: "https://x.example/t/{{1}}" }] },
  ];
  const template = { name: "order_update", language: "en", category: "UTILITY", body: "Hi {{1}}, order {{2}} shipped.", status: "APPROVED", components };

  it("asks for the header's, the body's and the link button's values", () => {
    expect(slotsOf(templateShape(template.body, components))).toEqual({ body: 2, header: { kind: "text" }, buttons: [1] });
    expect(slotsOf(templateShape("Hello World", null))).toEqual({ body: 0, header: null, buttons: [] });
  });

  it("takes values from contact fields or typed text", () => {
    expect(contactFieldValue(contact, "name")).toBe("Aiko Tanaka");
    expect(contactFieldValue(contact, "firstName")).toBe("Aiko");
    expect(contactFieldValue(contact, "phone")).toBe("+819012345678");
    expect(contactFieldValue(contact, "username")).toBe("@aiko");
    expect(contactFieldValue({ ...contact, name: null }, "name")).toBe("");
    expect(resolveValue({ kind: "text", text: "  #7 " }, contact)).toBe("#7");
    expect(resolveValue({ kind: "field", field: "firstName" }, contact)).toBe("Aiko");
  });

  it("sends header, body and button values, and shows header, body and footer in the thread", () => {
    const shape = templateShape(template.body, components);
    const slots = slotsOf(shape);
    const values = { body: ["Aiko", "#7"], header: "#7", buttons: { 1: "7" } };
    expect(sendBody(template, slots, values)).toEqual({
      name: "order_update",
      language: "en",
      parameters: ["Aiko", "#7"],
      header: { type: "text", text: "#7" },
      buttons: [{ index: 1, text: "7" }],
    });
    expect(sentText(shape, slots, values)).toBe("Order #7\n\nHi Aiko, order #7 shipped.\n\nThanks");
  });

  it("asks for an https link for a media header", () => {
    const shape = templateShape("See the photo.", [{ type: "HEADER", format: "IMAGE" }, { type: "BODY", text: "See the photo." }]);
    const slots = slotsOf(shape);
    expect(slots.header).toEqual({ kind: "media", format: "IMAGE" });
    expect(sendBody({ ...template, body: "See the photo." }, slots, { body: [], header: "https://x.example/a.png", buttons: {} })).toMatchObject({
      header: { type: "image", link: "https://x.example/a.png" },
    });
  });
});

describe("templates dictionaries", () => {
  it("render their quoted braces through svelte-i18n (which formats only when given values)", () => {
    init({ fallbackLocale: "en", initialLocale: "en", ignoreTag: true });
    void locale.set("en");
    const t = get(_) as Translate;
    expect(t("templateSettings.bodyHint", { values: {} })).toBe("Variables are {{1}}, {{2}}… in order; each needs an example");
    expect(t("templates.headerValue", { values: {} })).toBe("Value for the header's {{1}}");
    expect(t("templateRules.example_missing", { values: { n: 2 } })).toBe("Give an example for {{2}}.");
  });

  it("have the same keys in English and Japanese, all valid ICU messages", () => {
    expect(leaves(templatesJa).map(([k]) => k).sort()).toEqual(leaves(templatesEn).map(([k]) => k).sort());
    const values = { count: 2, n: 3, max: 60, name: "x", label: "y", reason: "INVALID_FORMAT", id: "1" };
    for (const [lang, dict] of [["en", templatesEn], ["ja", templatesJa]] as const) {
      for (const [key, message] of leaves(dict)) {
        expect(() => new IntlMessageFormat(message, lang, undefined, { ignoreTag: true }).format(values), `${lang}:${key}`).not.toThrow();
      }
    }
  });

  it("has a sentence for every rule the server checks", () => {
    const codes = Object.keys(templatesEn.templateRules).sort();
    const draft = emptyDraft();
    draft.body = "{{1}}";
    for (const problem of draftProblems(draft).values()) expect(codes).toContain(problem.code);
    expect(codes.length).toBe(36);
  });
});
