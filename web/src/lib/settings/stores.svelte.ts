/** The lists the settings sections load, each a fresh ListResource per page visit. */
import { accessApi, type ApiToken, type Invitation, type Team, type UserAdminView } from "./api";
import { ListResource } from "./resource.svelte";

export const usersResource = () => new ListResource<UserAdminView>(async () => (await accessApi.users()).users);
export const teamsResource = () => new ListResource<Team>(async () => (await accessApi.teams()).teams);
export const invitationsResource = () => new ListResource<Invitation>(async () => (await accessApi.invitations()).invitations);
export const tokensResource = () => new ListResource<ApiToken>(async () => (await accessApi.tokens()).tokens);
