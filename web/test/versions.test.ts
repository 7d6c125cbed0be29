import { describe, expect, it } from "vitest";
import { VersionTracker } from "$lib/versions";

describe("VersionTracker", () => {
  it("applies the next version, ignores older ones and flags a gap", () => {
    const t = new VersionTracker();
    t.snapshot("c1", 3);
    expect(t.check("c1", 2, "conversation.updated")).toBe("stale");
    expect(t.check("c1", 3, "conversation.updated")).toBe("stale");
    expect(t.check("c1", 4, "message.created:m1")).toBe("apply");
    expect(t.check("c1", 7, "message.created:m2")).toBe("gap");
    expect(t.version("c1")).toBe(7);
    expect(t.check("c1", 5, "message.updated:m1")).toBe("stale");
  });

  it("applies each different event of one change once (message.created and conversation.updated share a version)", () => {
    const t = new VersionTracker();
    t.snapshot("c1", 1);
    expect(t.check("c1", 2, "message.created:m1")).toBe("apply");
    expect(t.check("c1", 2, "conversation.updated")).toBe("apply");
    expect(t.check("c1", 2, "conversation.updated")).toBe("stale");
    expect(t.check("c1", 2, "message.created:m1")).toBe("stale");
  });

  it("takes the first event of a conversation it has never seen", () => {
    const t = new VersionTracker();
    expect(t.check("new", 12, "conversation.updated")).toBe("apply");
    expect(t.check("new", 13, "message.created:m9")).toBe("apply");
  });

  it("keeps conversations apart", () => {
    const t = new VersionTracker();
    t.snapshot("a", 5);
    t.snapshot("b", 1);
    expect(t.check("b", 2, "conversation.updated")).toBe("apply");
    expect(t.check("a", 2, "conversation.updated")).toBe("stale");
  });

  it("never moves a snapshot backwards", () => {
    const t = new VersionTracker();
    t.snapshot("c1", 5);
    t.snapshot("c1", 3);
    expect(t.version("c1")).toBe(5);
  });
});
