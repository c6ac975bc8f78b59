/** Your app's lookup of an API key's tenant. */
export function keyToTenant(apiKey: string): string | undefined {
  return apiKey ? 'acme' : undefined;
}
