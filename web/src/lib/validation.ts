/**
 * Client-side checks that mirror the contract's rules (worker/contracts/api.ts), so people see a
 * sentence in their language before anything is sent. The server still validates everything.
 * Each returns an i18n key, or null when the value is fine.
 */
export const PASSWORD_MIN = 10;

// Loose on purpose: the server's valibot email check is the authority.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function validateName(name: string): string | null {
  return name.trim() ? null : "validation.nameRequired";
}

export function validateEmail(email: string): string | null {
  return EMAIL.test(email.trim()) ? null : "validation.emailInvalid";
}

export function validateNewPassword(password: string): string | null {
  return password.length >= PASSWORD_MIN ? null : "validation.passwordShort";
}

export function validatePassword(password: string): string | null {
  return password ? null : "validation.passwordRequired";
}
