import { EventEmitter } from 'node:events';
import type { PubSubEngineLike } from '../../../lib';

/**
 * An in-process pub/sub engine with graphql-subscriptions 3's shape
 * (`publish`, `asyncIterableIterator`): graphql-subscriptions itself is not
 * installed. It delivers every event of a trigger to every iterator of it,
 * so tenant isolation is entirely `TenantPubSub`'s naming. Records the
 * trigger names used, to show what travelled.
 */
export class MemoryPubSub implements PubSubEngineLike {
  readonly published: string[] = [];
  readonly subscribed: string[] = [];
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  publish(trigger: string, payload: unknown): void {
    this.published.push(trigger);
    this.emitter.emit(trigger, payload);
  }

  asyncIterableIterator<T>(triggers: string | readonly string[]): AsyncIterableIterator<T> {
    const names = typeof triggers === 'string' ? [triggers] : [...triggers];
    this.subscribed.push(...names);
    const queue: T[] = [];
    const waiting: ((result: IteratorResult<T>) => void)[] = [];
    let done = false;
    const listener = (payload: T) => {
      const next = waiting.shift();
      if (next) next({ value: payload, done: false });
      else queue.push(payload);
    };
    for (const name of names) this.emitter.on(name, listener);
    const finish = (): Promise<IteratorResult<T>> => {
      done = true;
      for (const name of names) this.emitter.off(name, listener);
      for (const next of waiting.splice(0)) next({ value: undefined, done: true });
      return Promise.resolve({ value: undefined, done: true });
    };
    return {
      next: () => {
        if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => waiting.push(resolve));
      },
      return: finish,
      throw: async (error: unknown) => {
        await finish();
        throw error;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}
