/**
 * Seeds the bench's local D1 with many threads fast: generated SQL with multi-row INSERTs into
 * channels, contacts and the conversation index, applied with `wrangler d1 execute --local
 * --file` to the dev server's state directory before wrangler dev starts. (Creating 100,000
 * threads through webhooks would take far longer and measure the wrong thing; the list route reads
 * only D1.) The rows look like real ones: one channel, distinct customers, activity spread over
 * 90 days, some unread, a mix of statuses, a preview text.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";

const ROWS_PER_INSERT = 500;
const STATUSES = ["open", "open", "open", "pending", "snoozed", "closed"];

const sql = (text) => `'${String(text).replace(/'/g, "''")}'`;

/** A thread id shaped like Chorus's (cnv_ + 20 base32 characters), deterministic per index. */
function threadId(i) {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  let n = BigInt(i) * 2654435761n + 97n;
  let out = "";
  for (let k = 0; k < 20; k++) {
    out += alphabet[Number(n % 32n)];
    n = n / 32n + BigInt(k * 7 + i);
  }
  return `cnv_${out}`;
}

export function seedSql(threads, now = Date.now()) {
  const lines = [
    `INSERT INTO channels (id, phone_number_id, display_phone_number, name, created_at) VALUES ('chn_benchseed', 'bench-seed-number', '15550000000', 'Bench seed', ${now});`,
  ];
  for (let start = 0; start < threads; start += ROWS_PER_INSERT) {
    const contacts = [];
    const conversations = [];
    for (let i = start; i < Math.min(threads, start + ROWS_PER_INSERT); i++) {
      const contactId = `ctc_bench${String(i).padStart(8, "0")}`;
      const at = now - Math.floor(((i * 7919) % 90_000) * 86_400);
      contacts.push(`(${sql(contactId)}, '1999${String(i).padStart(8, "0")}', ${sql(`Seeded Customer ${i}`)}, ${at}, ${at})`);
      conversations.push(
        `(${sql(threadId(i))}, 'chn_benchseed', ${sql(contactId)}, '${STATUSES[i % STATUSES.length]}', ${at}, ${sql(`Message number ${i} about an order`)}, '${i % 3 ? "in" : "out"}', ${i % 5 === 0 ? 1 + (i % 4) : 0}, ${at + 86_400_000}, 1, ${at}, ${at})`,
      );
    }
    lines.push(`INSERT INTO contacts (id, wa_id, name, created_at, updated_at) VALUES ${contacts.join(",")};`);
    lines.push(
      `INSERT INTO conversations (id, channel_id, contact_id, status, last_message_at, last_message_preview, last_message_direction, unread_count, window_ends_at, version, created_at, updated_at) VALUES ${conversations.join(",")};`,
    );
  }
  return lines.join("\n");
}

/** Write the seed for `threads` threads and apply it to the local D1 under `stateDir`. */
export function seedD1(root, stateDir, threads) {
  const file = path.join(stateDir, "bench-seed.sql");
  writeFileSync(file, seedSql(threads));
  const result = spawnSync("npx", ["wrangler", "d1", "execute", "chorus", "--local", "--persist-to", stateDir, "--file", file, "--yes"], {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`seeding D1 failed:\n${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`);
}
