/** A tenant-unaware service of your app: it uses TenantPrisma / repositories. */
export class DigestService {
  async sendForCurrentTenant(): Promise<void> {}

  async buildForCurrentTenant(): Promise<string> {
    return '';
  }
}
