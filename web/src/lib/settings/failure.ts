/**
 * Turns anything a settings call threw into an ApiError for the page to show. A 401 means the
 * session ended (signed out elsewhere, password changed, deactivated): go to sign-in, and come
 * back here afterwards.
 */
import { goto } from "$app/navigation";
import { toApiError, type ApiError } from "$lib/api";
import { session } from "$lib/session.svelte";

export function asFailure(error: unknown): ApiError {
  const failure = toApiError(error);
  if (failure.status === 401) {
    session.forget();
    void goto(`/login?next=${encodeURIComponent(location.pathname)}`, { replaceState: true });
  }
  return failure;
}
