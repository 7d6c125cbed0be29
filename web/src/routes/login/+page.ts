import { redirect } from "@sveltejs/kit";
import { api } from "$lib/api";
import { session } from "$lib/session.svelte";

export async function load() {
  if (await session.current()) redirect(307, "/inbox");
  const { needsSetup } = await api.setupStatus();
  if (needsSetup) redirect(307, "/setup");
}
