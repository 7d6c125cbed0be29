// "/" only decides where to go: setup on a fresh install, sign-in when signed out, else the inbox.
import { redirect } from "@sveltejs/kit";
import { api } from "$lib/api";
import { session } from "$lib/session.svelte";

export async function load() {
  const { needsSetup } = await api.setupStatus();
  if (needsSetup) redirect(307, "/setup");
  const user = await session.current();
  redirect(307, user ? "/inbox" : "/login");
}
