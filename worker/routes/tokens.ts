/** API tokens (Owner only): create (shown once), list with last use, revoke. */
import { Hono } from "hono";
import { audit } from "../audit";
import { createApiToken } from "../auth/api-tokens";
import { requireRole, requireUser } from "../auth/middleware";
import { CreateApiTokenBody } from "../contracts/access";
import type { AppEnv, Role } from "../env";
import { ApiError } from "../errors";
import { validate } from "../validation";

interface TokenRow {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

const toApiToken = (r: TokenRow) => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  role: r.role,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

export const tokenRoutes = new Hono<AppEnv>()
  .use(requireUser, requireRole("owner"))
  .get("/", async (c) => {
    const { results } = await c.env.DB.prepare(
      "SELECT id, name, prefix, role, created_at, expires_at, last_used_at, revoked_at FROM api_tokens ORDER BY created_at DESC",
    ).all<TokenRow>();
    return c.json({ tokens: results.map(toApiToken) });
  })
  .post("/", validate("json", CreateApiTokenBody), async (c) => {
    const body = c.req.valid("json");
    if (body.expiresAt != null && body.expiresAt <= Date.now()) {
      throw new ApiError(400, "invalid_request", "expiresAt: the expiry must be in the future.");
    }
    const created = await createApiToken(c.env.DB, { name: body.name, role: body.role, expiresAt: body.expiresAt ?? null, createdBy: c.var.user.id });
    await audit(c, { action: "token.created", targetType: "api_token", targetId: created.id, details: { name: body.name, role: body.role } });
    return c.json(
      {
        token: created.token,
        apiToken: toApiToken({
          id: created.id,
          name: created.name,
          prefix: created.prefix,
          role: created.role,
          created_at: created.createdAt,
          expires_at: created.expiresAt,
          last_used_at: null,
          revoked_at: null,
        }),
      },
      201,
    );
  })
  .delete("/:id", async (c) => {
    const result = await c.env.DB.prepare("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
      .bind(Date.now(), c.req.param("id"))
      .run();
    if (!result.meta.changes) throw new ApiError(404, "not_found", "There is no active token with this id.");
    await audit(c, { action: "token.revoked", targetType: "api_token", targetId: c.req.param("id") });
    return c.body(null, 204);
  });
