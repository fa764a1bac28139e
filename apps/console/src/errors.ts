/** A console API error: HTTP status and a stable code, answered as `{error: {code, message}}`. */
export class ConsoleError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
