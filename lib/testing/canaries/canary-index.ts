import type { Canary } from './canary.interface';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Finds canary values in response text. A value counts only as a whole
 * token (`canary-1a2b3c4d-1` is not found inside `canary-1a2b3c4d-12`), and
 * not when the request itself carried it: a 404 that repeats the id it was
 * asked for echoes, it does not leak.
 */
export class CanaryIndex {
  private readonly byValue = new Map<string, Canary>();
  private readonly pattern?: RegExp;

  constructor(canaries: readonly Canary[]) {
    for (const canary of canaries) if (!this.byValue.has(canary.value)) this.byValue.set(canary.value, canary);
    const values = [...this.byValue.keys()].sort((a, b) => b.length - a.length).map(escape);
    if (values.length) this.pattern = new RegExp(`(?<![A-Za-z0-9])(?:${values.join('|')})(?![A-Za-z0-9])`, 'g');
  }

  /** The canaries in `text`, once each, leaving out those found in `sent` (what the request carried). */
  find(text: string, sent = ''): Canary[] {
    if (!this.pattern || !text) return [];
    const found = new Map<string, Canary>();
    for (const [value] of text.matchAll(this.pattern)) {
      if (!found.has(value) && !sent.includes(value)) found.set(value, this.byValue.get(value)!);
    }
    return [...found.values()];
  }
}
