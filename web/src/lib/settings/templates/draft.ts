/**
 * Settings → Templates: the create form's state, turned into the API's body; the same rules the
 * server checks (worker/contracts/templates.ts), keyed by field for the form; the sentence keys.
 */
import { templateProblems, variableCount, type CreateTemplateBody, type TemplateProblem } from "$contracts/templates";

export type HeaderKind = "NONE" | "TEXT" | "IMAGE" | "VIDEO" | "DOCUMENT";
export type ButtonKind = "QUICK_REPLY" | "URL" | "PHONE_NUMBER";

export interface DraftButton {
  type: ButtonKind;
  text: string;
  url: string;
  example: string;
  phoneNumber: string;
}

export interface TemplateDraft {
  name: string;
  language: string;
  category: "MARKETING" | "UTILITY" | "AUTHENTICATION";
  wabaId: string;
  headerKind: HeaderKind;
  headerText: string;
  headerExample: string;
  /** Meta's handle of the uploaded example file, and its name for the preview. */
  headerHandle: string;
  headerFilename: string;
  body: string;
  examples: string[];
  footer: string;
  buttons: DraftButton[];
  securityRecommendation: boolean;
  codeExpirationMinutes: string;
  copyButtonText: string;
}

export function emptyDraft(): TemplateDraft {
  return {
    name: "",
    language: "en_US",
    category: "UTILITY",
    wabaId: "",
    headerKind: "NONE",
    headerText: "",
    headerExample: "",
    headerHandle: "",
    headerFilename: "",
    body: "",
    examples: [],
    footer: "",
    buttons: [],
    securityRecommendation: true,
    codeExpirationMinutes: "",
    copyButtonText: "Copy code",
  };
}

export function newButton(type: ButtonKind): DraftButton {
  return { type, text: "", url: "", example: "", phoneNumber: "" };
}

/** The languages offered first (any other Meta code can be typed). */
export const COMMON_LANGUAGES = ["en_US", "en_GB", "en", "ja", "es", "es_MX", "pt_BR", "fr", "de", "it", "id", "hi", "ar", "zh_CN", "zh_TW", "ko"] as const;

/** How many examples the body asks for (its highest {{n}}). */
export function bodyVariables(draft: TemplateDraft): number {
  return variableCount(draft.body);
}

/** POST /api/templates's body for the draft (what the server checks and submits). */
export function draftBody(draft: TemplateDraft): CreateTemplateBody {
  const common = { name: draft.name.trim(), language: draft.language.trim(), category: draft.category, ...(draft.wabaId ? { wabaId: draft.wabaId } : {}) };
  if (draft.category === "AUTHENTICATION") {
    const minutes = draft.codeExpirationMinutes.trim();
    return {
      ...common,
      authentication: {
        securityRecommendation: draft.securityRecommendation,
        codeExpirationMinutes: minutes ? Number(minutes) : null,
        buttonText: draft.copyButtonText.trim() || undefined,
      },
    };
  }
  const header =
    draft.headerKind === "NONE"
      ? null
      : draft.headerKind === "TEXT"
        ? { format: "TEXT" as const, text: draft.headerText, ...(variableCount(draft.headerText) ? { example: draft.headerExample } : {}) }
        : { format: draft.headerKind, handle: draft.headerHandle, ...(draft.headerFilename ? { filename: draft.headerFilename } : {}) };
  return {
    ...common,
    header,
    body: { text: draft.body, examples: draft.examples.slice(0, bodyVariables(draft)) },
    footer: draft.footer.trim() ? draft.footer : null,
    buttons: draft.buttons.map((b) =>
      b.type === "QUICK_REPLY"
        ? { type: "QUICK_REPLY" as const, text: b.text }
        : b.type === "URL"
          ? { type: "URL" as const, text: b.text, url: b.url.trim(), ...(variableCount(b.url) ? { example: b.example } : {}) }
          : { type: "PHONE_NUMBER" as const, text: b.text, phoneNumber: b.phoneNumber },
    ),
  };
}

/** The rules the draft breaks, the first per field (the form shows each beside its field). */
export function draftProblems(draft: TemplateDraft): Map<string, TemplateProblem> {
  const byField = new Map<string, TemplateProblem>();
  for (const problem of templateProblems(draftBody(draft))) if (!byField.has(problem.field)) byField.set(problem.field, problem);
  return byField;
}

/** The i18n key and values of a rule's sentence. */
export function problemMessage(problem: TemplateProblem): { key: string; values: Record<string, number> } {
  return { key: `templateRules.${problem.code}`, values: problem.values ?? {} };
}
