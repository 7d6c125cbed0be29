import { describe, expect, it } from "vitest";
import { nextPath } from "../src/lib/next-path";

describe("nextPath: where sign-in returns to", () => {
  it("follows the app's own signed-in areas", () => {
    expect(nextPath("/inbox/cnv_123")).toBe("/inbox/cnv_123");
    expect(nextPath("/settings/channels")).toBe("/settings/channels");
    expect(nextPath("/reports")).toBe("/reports");
    expect(nextPath("/reports/business-hours")).toBe("/reports/business-hours");
  });

  it("never leaves the site or loops back to an auth page", () => {
    for (const next of ["//evil.example/inbox", "/\\evil.example", "https://evil.example/inbox", "javascript:alert(1)", "/login", "/setup", "/inboxes", "", null, undefined]) {
      expect(nextPath(next), String(next)).toBe("/inbox");
    }
  });
});
