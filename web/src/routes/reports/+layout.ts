import { redirect } from "@sveltejs/kit";
import { api } from "$lib/api";
import { session } from "$lib/session.svelte";
import type { LayoutLoad } from "./$types";

// Reports need a signed-in Owner or Manager (the layout shows agents why not; the server refuses them anyway).
export const load: LayoutLoad = async ({ url }) => {
  const user = await session.current();
  if (!user) {
    const { needsSetup } = await api.setupStatus();
    if (needsSetup) redirect(307, "/setup");
    redirect(307, `/login?next=${encodeURIComponent(url.pathname)}`);
  }
  return { user };
};
