import { HttpError } from '@weixin3rd/runtime';

/** Every way the ingress refuses a request: a stable code and the HTTP status of CONTRACT.md. */
export const INGRESS_ERRORS = {
  SIGNATURE_MISSING: 401,
  SIGNATURE_INVALID: 401,
  TIMESTAMP_STALE: 401,
  COMPONENT_UNKNOWN: 404,
  BODY_INVALID: 400,
  DECRYPT_FAILED: 400,
  RECEIVE_ID_MISMATCH: 400,
  APPID_MISMATCH: 400,
  QUERY_INVALID: 400,
  PATH_INVALID: 400,
  QUEUE_UNAVAILABLE: 503,
  /** The component could not be looked up within INGRESS_STORE_DEADLINE_MS: WeChat delivers again. */
  STORE_UNAVAILABLE: 503,
} as const;

export type IngressErrorCode = keyof typeof INGRESS_ERRORS;

/** An ingress refusal: its status comes from the code (INGRESS_ERRORS). */
export class IngressError extends HttpError<IngressErrorCode> {
  override name = 'IngressError';

  constructor(code: IngressErrorCode, message: string) {
    super(INGRESS_ERRORS[code], code, message);
  }
}
