// Snapshots made here, so a frozen tenant handed back in is not copied again.
const snapshots = new WeakSet<object>();

/**
 * A `Date` whose setters throw: `Object.freeze` does not protect a date's
 * internal time value, so a frozen tenant's `createdAt.setTime(0)` would still
 * change what every other request sees. It is still a `Date` (`instanceof`,
 * `getTime()`, `toISOString()`, JSON all behave as usual).
 */
class FrozenDate extends Date {}
for (const key of Object.getOwnPropertyNames(Date.prototype)) {
  if (!key.startsWith('set')) continue;
  Object.defineProperty(FrozenDate.prototype, key, {
    value() {
      throw new TypeError(
        `Cannot call ${key}() on a tenant's date: tenants the package hands out are immutable; copy it first (new Date(value)).`,
      );
    },
  });
}
Object.freeze(FrozenDate.prototype);

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function snapshotValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (snapshots.has(value)) return value;
  let copy: object;
  if (value instanceof Date) copy = new FrozenDate(value.getTime());
  else if (Array.isArray(value)) copy = value.map(snapshotValue);
  else if (isPlainObject(value)) {
    copy = Object.create(Object.getPrototypeOf(value)) as object;
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
      if ('value' in descriptor) descriptor.value = snapshotValue(descriptor.value);
      Object.defineProperty(copy, key, descriptor);
    }
  } else {
    // A class instance, Map, Buffer...: an app's own field the package never
    // reads. Left as the store returned it (freezing someone else's object in
    // place could break it); the package's own fields are strings.
    return value;
  }
  snapshots.add(Object.freeze(copy));
  return copy;
}

/**
 * A deep, frozen copy of a tenant record: plain objects and arrays copied and
 * frozen, dates copied into dates that cannot be changed. What the package
 * hands out (`TenantCache`, `TenantContext`, `@CurrentTenant()`,
 * `InMemoryTenantStore`) is such a snapshot, so a handler that writes to its
 * tenant (`Object.assign(tenant, body)`, a mass-assignment bug) gets a
 * `TypeError` instead of changing the tenant every later request of that
 * tenant runs as. A snapshot passed in again is returned as it is.
 * @internal
 */
export function snapshotTenant<T extends object>(tenant: T): Readonly<T> {
  return snapshotValue(tenant) as Readonly<T>;
}
