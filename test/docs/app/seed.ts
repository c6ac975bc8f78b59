/** Your app's seeding of a new tenant's data. */
export async function seedDefaults(tenantId: string): Promise<void> {
  void tenantId;
}
