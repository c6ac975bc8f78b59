/** A service of your app whose work outlives the request that starts it. */
export class SearchService {
  async reindex(): Promise<void> {}
}
