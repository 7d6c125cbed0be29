import type { SessionUser } from "../env";
import type { User } from "../contracts/api";

/** The API's view of a user (teams arrive with the teams work, issue 3). */
export function toApiUser(user: SessionUser): User {
  return { id: user.id, name: user.name, email: user.email, role: user.role, language: user.language, teams: [] };
}
