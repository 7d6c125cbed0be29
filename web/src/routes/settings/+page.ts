import { redirect } from "@sveltejs/kit";

// Everyone has a profile: it is the one section every role may open.
export function load() {
  redirect(307, "/settings/profile");
}
