/** Who is signed in. One instance for the whole (client-rendered) app. */
import { api, ApiError, type SetupBody, type SignInBody, type User } from "./api";

class Session {
  user = $state<User | null>(null);
  /** True once the server has been asked at least once. */
  checked = $state(false);

  /** Asks the server; a 401 means signed out, anything else is thrown to the caller. */
  async refresh(): Promise<User | null> {
    try {
      const { user } = await api.session();
      this.user = user;
    } catch (error) {
      if (!ApiError.is(error) || error.status !== 401) throw error;
      this.user = null;
    }
    this.checked = true;
    return this.user;
  }

  /** The known user, asking the server only the first time. */
  async current(): Promise<User | null> {
    return this.checked ? this.user : this.refresh();
  }

  async signIn(body: SignInBody): Promise<User> {
    const { user } = await api.signIn(body);
    this.user = user;
    this.checked = true;
    return user;
  }

  async setup(body: SetupBody): Promise<User> {
    const { user } = await api.setup(body);
    this.user = user;
    this.checked = true;
    return user;
  }

  /** Signed in by another route (accepting an invitation or a password reset). */
  adopt(user: User): void {
    this.user = user;
    this.checked = true;
  }

  async signOut(): Promise<void> {
    try {
      await api.signOut();
    } finally {
      this.forget();
    }
  }

  /** The server said we are signed out (e.g. a 401 mid-session). */
  forget(): void {
    this.user = null;
    this.checked = true;
  }
}

export const session = new Session();
