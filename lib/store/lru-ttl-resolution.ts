/**
 * lru-cache's `ttlResolution` for a cache whose entries live `ttlMs`: how
 * long one reading of the clock serves its staleness checks. Its default,
 * 1 ms, arms a timer each millisecond a lookup happens (to forget the cached
 * time), and on a busy hot path that timer fires about once per query. A
 * hundredth of the TTL (at most a second) keeps expiry as exact as the TTL
 * itself is meant, and the clock is read a thousand times less often.
 * @internal
 */
export function lruTtlResolution(ttlMs: number): number {
  return Math.max(1, Math.min(1_000, Math.floor(ttlMs / 100)));
}
