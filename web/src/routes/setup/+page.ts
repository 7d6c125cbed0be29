import { redirect } from "@sveltejs/kit";
import { api } from "$lib/api";

export async function load() {
  const { needsSetup } = await api.setupStatus();
  // Setup happens once; afterwards this page only points people to sign-in.
  if (!needsSetup) redirect(307, "/login");
}
