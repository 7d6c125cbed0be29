/**
 * People and teams for the pickers (assign, @mention, filters). Owners and Managers read the whole
 * directory (GET /api/users, /api/teams). Those routes refuse an Agent, and no other route lists
 * colleagues, so an Agent's pickers know themselves, their own teams and the people this browser
 * has seen (assignees in the list, authors in threads).
 */
import { api, ApiError, type Person, type TeamRef, type User } from "./api";

export class Directory {
  people = $state<Person[]>([]);
  teams = $state<TeamRef[]>([]);
  /** True when the lists are the whole workspace (Owner/Manager), not what an Agent has seen. */
  complete = $state(false);
  loaded = $state(false);

  #user: User;
  #loading: Promise<void> | null = null;

  constructor(user: User) {
    this.#user = user;
    this.people = [{ id: user.id, name: user.name, role: user.role }];
    this.teams = user.teams.map((t) => ({ ...t }));
  }

  get canAssignOthers(): boolean {
    return this.#user.role === "owner" || this.#user.role === "manager";
  }

  load(): Promise<void> {
    this.#loading ??= this.#load();
    return this.#loading;
  }

  async #load(): Promise<void> {
    if (!this.canAssignOthers) {
      this.loaded = true;
      return;
    }
    try {
      const [{ users }, { teams }] = await Promise.all([api.users(), api.teams()]);
      this.people = users.filter((u) => u.active !== false).sort((a, b) => a.name.localeCompare(b.name));
      this.teams = teams.sort((a, b) => a.name.localeCompare(b.name));
      this.complete = true;
    } catch (error) {
      // 403 would mean the role changed under us; either way the pickers keep what they have.
      if (!ApiError.is(error)) throw error;
      this.#loading = null;
    } finally {
      this.loaded = true;
    }
  }

  /** Someone seen in the inbox (an assignee, an author): an Agent's pickers can offer them. */
  remember(person: { id: string; name: string } | null | undefined): void {
    if (this.complete || !person?.id || !person.name) return;
    if (this.people.some((p) => p.id === person.id)) return;
    this.people = [...this.people, { id: person.id, name: person.name }].sort((a, b) => a.name.localeCompare(b.name));
  }

  rememberTeam(team: { id: string; name: string } | null | undefined): void {
    if (this.complete || !team?.id || !team.name) return;
    if (this.teams.some((t) => t.id === team.id)) return;
    this.teams = [...this.teams, { id: team.id, name: team.name }].sort((a, b) => a.name.localeCompare(b.name));
  }

  nameOf(id: string): string | null {
    return this.people.find((p) => p.id === id)?.name ?? null;
  }

  teamName(id: string): string | null {
    return this.teams.find((t) => t.id === id)?.name ?? null;
  }
}
