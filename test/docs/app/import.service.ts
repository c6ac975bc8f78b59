/** A service of your app, run by a script as one tenant. */
export class ImportService {
  async importFile(path: string): Promise<number> {
    return path.length;
  }
}
