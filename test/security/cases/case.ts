/** One hostile request and what the service must answer. */
export interface HostileCase {
  area: string;
  name: string;
  /**
   * The status that proves the case held ('closed': the server dropped the connection). Several
   * only where another open issue changes the answer on purpose (named in `why`).
   */
  expected: number | 'closed' | (number | 'closed')[];
  /** Why that answer, in a few words (an error code or the rule). */
  why: string;
  send(): Promise<number | 'closed'>;
  /** A 200 that keeps the request on purpose: a signed message for an account not in the store is held (issue 16), never refused. */
  keeps?: boolean;
}

export const statusOf = async (res: Response): Promise<number> => {
  await res.arrayBuffer();
  return res.status;
};

export const request = async (url: string, init: RequestInit = {}): Promise<number> =>
  statusOf(await fetch(url, { redirect: 'manual', ...init }));
