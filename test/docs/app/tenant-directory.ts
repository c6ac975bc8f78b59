/** Your list of tenants (the package only ever looks one up by id). */
export class TenantDirectory {
  async list(): Promise<{ id: string; name?: string }[]> {
    return [];
  }
}
