/**
 * Sending the invitation email, when an email sender is configured: an HTTP endpoint
 * (`EMAIL_API_URL`, e.g. a Resend/Postmark-style relay or your own Worker) that takes
 * `POST {to, subject, text}` JSON with `Authorization: Bearer EMAIL_API_KEY`. With none configured
 * the link is only shown to copy (issue 3). A failed send never fails the invitation: the link is
 * still returned and `emailed` says what happened.
 */
import type { Env } from "./env";

export interface Email {
  to: string;
  subject: string;
  text: string;
}

export async function sendEmail(env: Pick<Env, "EMAIL_API_URL" | "EMAIL_API_KEY">, email: Email): Promise<boolean> {
  if (!env.EMAIL_API_URL) return false;
  try {
    const res = await fetch(env.EMAIL_API_URL, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        ...(env.EMAIL_API_KEY ? { Authorization: `Bearer ${env.EMAIL_API_KEY}` } : {}),
      },
      body: JSON.stringify(email),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) console.warn("email sender answered", res.status);
    return res.ok;
  } catch (err) {
    console.warn("email sender unreachable", err);
    return false;
  }
}

export function invitationEmail(input: { to: string; url: string; inviter: string; role: string; expiresAt: number }): Email {
  const until = new Date(input.expiresAt).toUTCString();
  return {
    to: input.to,
    subject: `${input.inviter} invited you to Chorus`,
    text:
      `${input.inviter} invited you to join their team inbox on Chorus as ${input.role}.\n\n` +
      `Open this link to choose your name and password:\n${input.url}\n\n` +
      `The link works once and expires on ${until}.\n\n` +
      `${input.inviter}さんから Chorus への招待が届きました。上のリンクを開いて名前とパスワードを設定してください（1 回限り、${until} まで有効）。`,
  };
}
