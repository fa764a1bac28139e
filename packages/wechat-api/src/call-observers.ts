/**
 * Who wants to hear about every WeChat call (metrics): the API name, the errcode (0 success;
 * -2 network, -3 HTTP 5xx, -4 unreadable answer) and the call's duration. Process-wide, so each
 * process registers once however many Transports it builds.
 */
export type WeChatCallObserver = (call: string, errcode: number, seconds: number) => void;

const observers = new Set<WeChatCallObserver>();

/** Registers an observer; returns its removal. */
export function observeWeChatCalls(observer: WeChatCallObserver): () => void {
  observers.add(observer);
  return () => void observers.delete(observer);
}

export function notifyWeChatCall(call: string, errcode: number, seconds: number): void {
  for (const observer of observers) {
    try {
      observer(call, errcode, seconds);
    } catch {
      // An observer's failure must never fail the call it watched.
    }
  }
}
