/**
 * How long the ingress gives a client. WeChat sends a push (a few KB) in one go and gives up on
 * us after 5 s, and a browser sends a GET at once, so a request not fully received within 5 s is
 * of no use to anyone: it is answered 408 and its connection closed, instead of holding a socket
 * for minutes. None of these are per address: WeChat's few senders share them with nobody.
 */
export const INGRESS_TIMEOUTS = {
  /** From the first byte to the end of the headers. */
  headersMs: 5_000,
  /** From the first byte to the end of the body (Node stops counting once the body is in). */
  requestMs: 5_000,
  /** An idle kept-alive connection between requests. */
  keepAliveMs: 5_000,
  /** A socket with no traffic at all; longer than the reply budget (4 s) a handler may wait. */
  idleMs: 10_000,
  /** How often Node looks for connections past the header or request deadline (default 30 s). */
  checkEveryMs: 500,
} as const;
