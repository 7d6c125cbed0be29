import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig } from "vite";

// `vite dev` cannot run the Durable Objects: it forwards the API, the webhooks, the simulator and the
// live socket to a `wrangler dev` started beside it (conventions.md, "one-Worker composition").
const worker = process.env.CHORUS_WORKER_URL ?? "http://localhost:8787";

export default defineConfig({
  plugins: [sveltekit()],
  server: {
    proxy: {
      "/api": { target: worker, ws: true, changeOrigin: false },
      "/webhooks": { target: worker, changeOrigin: false },
      "/simulator": { target: worker, changeOrigin: false },
    },
  },
});
