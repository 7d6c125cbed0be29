// Settings' pure logic: who sees which section, what an actor may do to a user, token expiry and
// state, audit-log wording, error sentences, and the settings dictionaries in both languages.
import { get } from "svelte/store";
import { IntlMessageFormat } from "intl-messageformat";
import { beforeAll, describe, expect, it } from "vitest";
import { init, locale } from "svelte-i18n";
import { _, type Translate } from "$lib/i18n";
import "$lib/i18n/settings"; // the page-level dictionary, as its pages register it
import settingsEn from "$lib/i18n/settings.en";
import settingsJa from "$lib/i18n/settings.ja";
import en from "$lib/i18n/en";
import { assignableRoles, canUseSection, sectionFromPath, sectionsFor, userActions } from "$lib/settings/access";
import { AUDIT_ACTIONS, auditActionKey, auditDetailsText } from "$lib/settings/audit";
import { settingsErrorText } from "$lib/settings/errors";
import { expiryFromChoice, localDateInputValue, tokenState } from "$lib/settings/tokens";

function leaves(dict: object, prefix = ""): [string, string][] {
  return Object.entries(dict).flatMap(([key, value]) =>
    typeof value === "string" ? [[`${prefix}${key}`, value] as [string, string]] : leaves(value as object, `${prefix}${key}.`),
  );
}

function t(lang: "en" | "ja"): Translate {
  void locale.set(lang);
  return get(_) as Translate;
}

beforeAll(() => {
  init({ fallbackLocale: "en", initialLocale: "en", ignoreTag: true });
});

describe("sections by role", () => {
  it("shows an Agent only the profile", () => {
    expect(sectionsFor("agent")).toEqual(["profile"]);
    expect(canUseSection("agent", "users")).toBe(false);
    expect(canUseSection("agent", "tokens")).toBe(false);
  });

  it("shows a Manager users, invitations and teams but not tokens, audit or workspace", () => {
    expect(sectionsFor("manager")).toEqual(["profile", "users", "invitations", "teams", "templates"]);
  });

  it("shows an Owner everything", () => {
    expect(sectionsFor("owner")).toEqual(["profile", "users", "invitations", "teams", "tokens", "channels", "templates", "audit", "workspace"]);
  });

  it("reads the section from the path", () => {
    expect(sectionFromPath("/settings/audit")).toBe("audit");
    expect(sectionFromPath("/settings/users/")).toBe("users");
    expect(sectionFromPath("/settings")).toBeNull();
    expect(sectionFromPath("/settings/unknown")).toBeNull();
    expect(sectionFromPath("/inbox")).toBeNull();
  });
});

describe("what an actor may do", () => {
  const owner = { id: "u-owner", role: "owner" as const };
  const manager = { id: "u-manager", role: "manager" as const };

  it("never lets a Manager give the Owner role", () => {
    expect(assignableRoles("manager")).toEqual(["manager", "agent"]);
    expect(assignableRoles("owner")).toEqual(["owner", "manager", "agent"]);
    expect(assignableRoles("agent")).toEqual([]);
  });

  it("keeps a Manager's hands off Owners", () => {
    expect(userActions(manager, { id: "u-o2", role: "owner", active: true })).toEqual({
      changeRole: false,
      changeTeams: false,
      deactivate: false,
      reactivate: false,
      passwordReset: false,
    });
  });

  it("lets a Manager manage agents but not issue reset links", () => {
    const actions = userActions(manager, { id: "u-a", role: "agent", active: true });
    expect(actions).toMatchObject({ changeRole: true, changeTeams: true, deactivate: true, passwordReset: false });
  });

  it("lets nobody change their own role or deactivate themselves", () => {
    const actions = userActions(owner, { id: owner.id, role: "owner", active: true });
    expect(actions.changeRole).toBe(false);
    expect(actions.deactivate).toBe(false);
    expect(actions.passwordReset).toBe(false);
    expect(actions.changeTeams).toBe(true);
  });

  it("offers reactivation, not deactivation, for a deactivated user", () => {
    const actions = userActions(owner, { id: "u-a", role: "agent", active: false });
    expect(actions).toMatchObject({ deactivate: false, reactivate: true, passwordReset: false, changeRole: false });
  });

  it("lets an Owner issue a reset link for an active user", () => {
    expect(userActions(owner, { id: "u-m", role: "manager", active: true }).passwordReset).toBe(true);
  });

  it("gives an Agent nothing", () => {
    expect(Object.values(userActions({ id: "x", role: "agent" }, { id: "y", role: "agent", active: true }))).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe("API tokens", () => {
  const now = new Date(2026, 10, 20, 15, 30).getTime();
  const DAY = 86_400_000;

  it("know their state", () => {
    expect(tokenState({ expiresAt: null, revokedAt: null }, now)).toBe("active");
    expect(tokenState({ expiresAt: now + 1, revokedAt: null }, now)).toBe("active");
    expect(tokenState({ expiresAt: now, revokedAt: null }, now)).toBe("expired");
    expect(tokenState({ expiresAt: now - DAY, revokedAt: now - 2 * DAY }, now)).toBe("revoked");
  });

  it("turn an expiry choice into epoch ms", () => {
    expect(expiryFromChoice("never", now)).toEqual({ ok: true, expiresAt: null });
    expect(expiryFromChoice("30", now)).toEqual({ ok: true, expiresAt: now + 30 * DAY });
    expect(expiryFromChoice("365", now)).toEqual({ ok: true, expiresAt: now + 365 * DAY });
  });

  it("end a chosen day at its last millisecond, local time", () => {
    expect(expiryFromChoice("custom", now, "2026-12-01")).toEqual({ ok: true, expiresAt: new Date(2026, 11, 1, 23, 59, 59, 999).getTime() });
    // Today still works: the token lives until midnight.
    expect(expiryFromChoice("custom", now, localDateInputValue(now)).ok).toBe(true);
  });

  it("refuse a missing, impossible or past day", () => {
    expect(expiryFromChoice("custom", now, "")).toEqual({ ok: false, error: "settings.tokens.expiryDateRequired" });
    expect(expiryFromChoice("custom", now, "2026-02-31")).toEqual({ ok: false, error: "settings.tokens.expiryDateRequired" });
    expect(expiryFromChoice("custom", now, "2026-11-19")).toEqual({ ok: false, error: "settings.tokens.expiryPast" });
  });

  it("format today for a date input", () => {
    expect(localDateInputValue(new Date(2026, 0, 5, 8).getTime())).toBe("2026-01-05");
  });
});

describe("audit log", () => {
  it("names every action the server records, in both languages", () => {
    for (const action of AUDIT_ACTIONS) {
      const key = auditActionKey(action)!;
      expect(t("en")(key), action).not.toBe(key);
      expect(t("ja")(key), action).not.toBe(key);
    }
    expect(t("en")(auditActionKey("user.role_changed")!)).toBe("Changed a role");
    expect(t("ja")(auditActionKey("token.created")!)).toBe("APIトークンを作成");
  });

  it("shows an action it doesn't know by its code", () => {
    expect(auditActionKey("brand.new_thing")).toBeNull();
  });

  it("writes details as short pairs, as text", () => {
    expect(auditDetailsText(null)).toBe("");
    expect(auditDetailsText({ from: "agent", to: "manager" })).toBe("from: agent · to: manager");
    expect(auditDetailsText({ teamIds: ["t1", "t2"], empty: [], none: null })).toBe("teamIds: t1, t2 · empty: — · none: —");
    expect(auditDetailsText({ html: "<img src=x onerror=alert(1)>" })).toBe("html: <img src=x onerror=alert(1)>");
    const names = new Map([["team_1", "Sales"], ["usr_1", "Aiko"]]);
    expect(auditDetailsText({ teamIds: ["team_1", "team_gone"], by: "usr_1", count: 2 }, names)).toBe(
      "teamIds: Sales, team_gone · by: Aiko · count: 2",
    );
    const long = auditDetailsText({ text: "x".repeat(500) }, new Map(), 40);
    expect(long).toHaveLength(40);
    expect(long.endsWith("…")).toBe(true);
  });
});

describe("settings errors", () => {
  it("say the access codes in plain words in both languages", () => {
    expect(settingsErrorText(t("en"), { code: "last_owner", message: "x" })).toBe("The workspace needs at least one active Owner.");
    expect(settingsErrorText(t("ja"), { code: "wrong_password", message: "x" })).toBe("現在のパスワードが正しくありません。");
    expect(settingsErrorText(t("en"), { code: "email_taken" })).toBe("Someone already has an account with this email.");
  });

  it("fall back to the app's sentences, then the server's", () => {
    expect(settingsErrorText(t("en"), { code: "forbidden" })).toBe("You don't have permission to do that.");
    expect(settingsErrorText(t("en"), { code: "never_seen", message: "Server says so." })).toBe("Server says so.");
  });
});

describe("settings dictionaries", () => {
  it("have the same keys in English and Japanese", () => {
    expect(leaves(settingsJa).map(([k]) => k).sort()).toEqual(leaves(settingsEn).map(([k]) => k).sort());
  });

  it("don't redefine any key of the main dictionary", () => {
    const main = new Set(leaves(en).map(([k]) => k));
    expect(leaves(settingsEn).filter(([k]) => main.has(k))).toEqual([]);
    expect(Object.keys(en)).not.toContain("settings");
  });

  it("are valid ICU messages", () => {
    const values = { count: 2, name: "Aiko", email: "a@b.c", date: "1 Dec", state: "Online" };
    for (const [lang, dict] of [["en", settingsEn], ["ja", settingsJa]] as const) {
      for (const [key, message] of leaves(dict)) {
        expect(() => new IntlMessageFormat(message, lang, undefined, { ignoreTag: true }).format(values), `${lang}:${key}`).not.toThrow();
      }
    }
  });

  it("are merged into the app's dictionary beside the main one", () => {
    expect(t("en")("nav.settings")).toBe("Settings");
    expect(t("ja")("settings.section.audit")).toBe("監査ログ");
    expect(t("ja")("auth.role.agent")).toBe("エージェント");
    expect(t("en")("settings.teams.memberCount", { values: { count: 1 } })).toBe("1 member");
    expect(t("ja")("settings.teams.memberCount", { values: { count: 0 } })).toBe("メンバーなし");
  });
});
