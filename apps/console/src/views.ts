/** Dates as the API shows them: ISO-8601 text. */
export const iso = (d: Date): string => d.toISOString();
export const isoOrNull = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** A token answer (CONTRACT.md, token answers; built by tokenAnswer of @weixin3rd/credentials). */
export function tokenView(t: { accessToken: string; expiresAt: Date; refreshAt: Date }) {
  return { accessToken: t.accessToken, expiresAt: iso(t.expiresAt), refreshAt: iso(t.refreshAt) };
}
