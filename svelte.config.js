import adapter from "@sveltejs/adapter-cloudflare";
import { vitePreprocess } from "@sveltejs/vite-plugin-svelte";

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({
      config: "web/wrangler.adapter.toml",
      platformProxy: { configPath: "wrangler.toml" },
    }),
    files: {
      src: "web/src",
      assets: "web/static",
      lib: "web/src/lib",
      routes: "web/src/routes",
      appTemplate: "web/src/app.html",
      hooks: { client: "web/src/hooks.client", server: "web/src/hooks.server", universal: "web/src/hooks" },
    },
    alias: { $contracts: "worker/contracts" },
    // The inbox shows customer text: a strict policy is the second line of defence behind never
    // rendering it as HTML. "auto" gives SvelteKit's own boot script a nonce; nothing else inline runs.
    // 'self' in connect-src also covers ws:/wss: to this same host (CSP Level 3), which the live
    // socket (/api/events) needs; a fixed ws: host cannot be written here since it varies per deploy.
    csp: {
      mode: "auto",
      directives: {
        "default-src": ["self"],
        "script-src": ["self"],
        // Svelte sets style attributes at runtime (e.g. app.html's wrapper); styles cannot run code.
        "style-src": ["self", "unsafe-inline"],
        "img-src": ["self", "data:", "blob:"],
        // A recorded voice note is played back from a blob: URL before it is sent (issue 5).
        "media-src": ["self", "blob:"],
        "font-src": ["self"],
        "connect-src": ["self"],
        "object-src": ["none"],
        "base-uri": ["self"],
        "form-action": ["self"],
        "frame-ancestors": ["none"],
      },
    },
  },
};
