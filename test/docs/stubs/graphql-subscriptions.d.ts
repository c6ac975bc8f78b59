// The part of graphql-subscriptions (v3) the docs' snippets use.
export declare class PubSub {
  publish(triggerName: string, payload: unknown): Promise<void>;
  asyncIterableIterator<T>(triggers: string | readonly string[]): AsyncIterableIterator<T>;
}
