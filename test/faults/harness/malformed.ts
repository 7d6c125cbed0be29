/**
 * A small generator of malformed bodies: mutations of valid payloads (a key removed, a value of
 * the wrong type, huge and odd numbers, unicode edge cases, deep nesting, truncated or
 * duplicated JSON, non-JSON). Deterministic for a seed, so a failing body can be regenerated.
 */

export type Random = () => number;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

function nested(depth: number, leaf: unknown, kind: "array" | "object"): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = kind === "array" ? [value] : { a: value };
  return value;
}

/** Values that break naive code: wrong types, extremes, odd unicode. */
export function weirdValue(random: Random): unknown {
  const choices: Array<() => unknown> = [
    () => null,
    () => true,
    () => false,
    () => 0,
    () => -1,
    () => 1e308,
    () => -1e308,
    () => 2 ** 53 + 1,
    () => 1.5,
    () => 99999999999,
    () => "999999999999",
    () => "1e999",
    () => "-0",
    () => "NaN",
    () => "",
    () => " ",
    () => "\u0000",
    () => "\ud800",
    () => "\udfff\ud800",
    () => "\u202Eevil\u202C",
    () => "\u200B\u200C\u200D\uFEFF",
    () => "💥".repeat(500),
    () => "a".repeat(20_000),
    () => "ｗａｍｉｄ．全角",
    () => "<script>window.__xss=1</script>",
    () => "'; DROP TABLE messages; --",
    () => "%s%n%x",
    () => "../../etc/passwd",
    () => [],
    () => {},
    () => [1, "2", null],
    () => ({ __proto__: { polluted: true }, constructor: { prototype: { polluted: true } } }),
    () => nested(64, "deep", "array"),
    () => nested(64, "deep", "object"),
    // Deeper than JSON.stringify can walk here: spliced in as text by `mutate` (see DEEP).
    () => DEEP,
  ];
  return pick(random, choices)();
}

/** Placeholder for 3,000 levels of nesting, replaced in the serialised text. */
const DEEP = "__DEEP_NESTING__";
const DEEP_TEXT = `${"[".repeat(3000)}1${"]".repeat(3000)}`;

function serialise(doc: unknown): string {
  return JSON.stringify(doc).replaceAll(JSON.stringify(DEEP), DEEP_TEXT);
}

/** encodeURIComponent that survives lone surrogates (and sometimes adds invalid UTF-8 on purpose). */
export function encodeWeird(text: string, random: Random): string {
  // String.prototype.toWellFormed (ES2024) is in Node 24 but not in this project's TS lib.
  const wellFormed = (text as unknown as { toWellFormed(): string }).toWellFormed();
  const encoded = encodeURIComponent(wellFormed);
  return random() < 0.1 ? `${encoded}%ED%A0%80%FF` : encoded;
}

type Path = Array<string | number>;

function paths(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const p = [...prefix, Array.isArray(value) ? Number(k) : k];
      out.push(p);
      paths(v, p, out);
    }
  }
  return out;
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function setAt(root: any, path: Path, value: unknown): void {
  let node = root;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path[path.length - 1]!] = value;
}

function deleteAt(root: any, path: Path): void {
  let node = root;
  for (const key of path.slice(0, -1)) node = node[key];
  const last = path[path.length - 1]!;
  if (Array.isArray(node)) node.splice(Number(last), 1);
  else delete node[last];
}

/** One mutated body (a string: some mutations are not JSON at all) and what was done to it. */
export function mutate(base: unknown, random: Random): { label: string; body: string } {
  const kind = pick(random, ["delete", "retype", "retype", "retype", "retype2", "truncate", "duplicate-key", "wrap", "raw", "bigbatch"] as const);
  const doc = clone(base);
  const all = paths(doc);
  switch (kind) {
    case "delete": {
      const p = pick(random, all);
      deleteAt(doc, p);
      return { label: `delete ${p.join(".")}`, body: serialise(doc) };
    }
    case "retype":
    case "retype2": {
      const n = kind === "retype" ? 1 : 3;
      const labels: string[] = [];
      for (let i = 0; i < n; i++) {
        const p = pick(random, paths(doc).length ? paths(doc) : all);
        const value = weirdValue(random);
        try {
          setAt(doc, p, value);
        } catch {
          continue;
        }
        labels.push(`${p.join(".")}=${JSON.stringify(value)?.slice(0, 40)}`);
      }
      return { label: `retype ${labels.join(" ")}`, body: serialise(doc) };
    }
    case "truncate": {
      const text = JSON.stringify(doc);
      const at = Math.floor(random() * text.length);
      return { label: `truncate at ${at}`, body: text.slice(0, at) };
    }
    case "duplicate-key": {
      const text = JSON.stringify(doc);
      return { label: "duplicate keys", body: text.replace(/^\{/, '{"object":["x"],"entry":{"changes":7},') };
    }
    case "wrap":
      return pick(random, [
        { label: "wrapped in an array", body: serialise([doc]) },
        { label: "wrapped in an object", body: serialise({ payload: doc }) },
        { label: "wrapped in 5,000 arrays", body: `${"[".repeat(5000)}${serialise(doc)}${"]".repeat(5000)}` },
      ]);
    case "raw":
      return {
        label: "not JSON",
        body: pick(random, ["", "null", "[]", "1", '"text"', "{}", "{", "\u0000\u0001\u0002", "<xml/>", "a=1&b=2", "\ud800", "{\"a\":1}}", "NaN", "[".repeat(100_000)]),
      };
    case "bigbatch": {
      // Many items in one body (still under the 1 MB limit): each one mutated a little.
      const text = JSON.stringify(doc);
      const copies = Math.max(1, Math.min(400, Math.floor(600_000 / Math.max(text.length, 1))));
      return { label: `${copies} copies in one array`, body: serialise({ object: "whatsapp_business_account", entry: Array.from({ length: copies }, () => (doc as any)?.entry?.[0] ?? doc) }) };
    }
  }
}
