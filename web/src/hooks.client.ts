import type { HandleClientError } from "@sveltejs/kit";
import { ApiError } from "$lib/api";

/** Keeps an API error's code for the error page, which translates it. */
export const handleError: HandleClientError = ({ error, status }) => {
  if (error instanceof ApiError) return { message: error.message, code: error.code };
  if (status === 404) return { message: "Not found", code: "not_found" };
  console.error(error);
  return { message: "Unexpected error", code: "unknown" };
};
