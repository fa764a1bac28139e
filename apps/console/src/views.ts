/** Dates as the API shows them: ISO-8601 text. */
export const iso = (d: Date): string => d.toISOString();
export const isoOrNull = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** A token answer: `refreshAt` when the token owner reports it (CONTRACT.md, token answers). */
export function tokenView(t: { accessToken: string; expiresAt: Date; refreshAt?: Date | null }) {
  return { accessToken: t.accessToken, expiresAt: iso(t.expiresAt), ...(t.refreshAt ? { refreshAt: iso(t.refreshAt) } : {}) };
}
