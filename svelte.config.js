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
  },
};
