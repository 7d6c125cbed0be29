// The baseline for the ingest ratio (issue 7): a Worker on the same runtime (wrangler dev) that
// reads the request body, as Chorus must, and answers 200 — nothing else.
export default {
  async fetch(request) {
    await request.arrayBuffer();
    return new Response('{"ok":true}', { status: 200, headers: { "Content-Type": "application/json" } });
  },
};
