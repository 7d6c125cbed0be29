// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
  namespace App {
    interface Error {
      message: string;
      /** An API error code (e.g. "network"), so the error page can say it in the user's language. */
      code?: string;
    }
  }
}

export {};
