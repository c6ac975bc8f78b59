import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { CatalogColumn } from './canary-catalog';

/** A value to write, and the text it shows in a JSON response when it is recognisable there. */
export interface CanaryValue {
  value: unknown;
  /** How it reads in a response body (`undefined`: too common to tell apart, not searched for). */
  search?: string;
}

const TEXT_TYPES = /^(text|character varying|character|varchar|char|bpchar|citext|name|xml)\b/;
const MAX_LENGTH = /^(?:character varying|character|varchar|char|bpchar)\((\d+)\)/;

/**
 * Makes the values of canary rows: strings carrying one random marker per
 * run (`canary-1a2b3c4d-7`), uuids, large random integers and millisecond
 * timestamps, all unique enough that finding one in another tenant's response
 * cannot be chance. Booleans, small numbers, decimals and enums are valid
 * but not searched for.
 */
export class CanaryValues {
  /** Common to every string canary of the run: `canary-1a2b3c4d`. */
  readonly marker = `canary-${randomBytes(4).toString('hex')}`;
  private count = 0;

  /** A fresh marker string, cut to `maxLength` when the column is shorter. */
  string(maxLength?: number): string {
    const value = `${this.marker}-${++this.count}`;
    return maxLength !== undefined && maxLength < value.length ? value.slice(-maxLength) : value;
  }

  /** Whether a string column may hold a marker (`text`, `varchar`, ...), rather than a uuid or an address. */
  static isText(column: CatalogColumn): boolean {
    return TEXT_TYPES.test(column.sqlType.replace(/\[\]$/, ''));
  }

  /**
   * A valid value for a column of Prisma type `type` (`kind` `scalar` or
   * `enum`), or `undefined` when the kit cannot make one (then the model is
   * skipped, unless `canaryData` gives the value).
   */
  forColumn(field: { kind: string; type: string }, column: CatalogColumn, enumValue?: string): CanaryValue | undefined {
    if (column.sqlType.endsWith('[]')) {
      // A list: one marker for string lists, empty otherwise (valid for any NOT NULL array).
      if (field.type !== 'String' || !CanaryValues.isText(column)) return { value: [] };
      const text = this.string();
      return { value: [text], search: text };
    }
    if (field.kind === 'enum') {
      const label = enumValue ?? column.enumLabel;
      return label === null ? undefined : { value: label };
    }
    switch (field.type) {
      case 'String':
        return this.stringFor(column);
      case 'Int':
        if (column.sqlType === 'smallint') return { value: randomInt(1_000, 32_767) };
        return this.searchable(randomInt(100_000_000, 2_147_483_647));
      case 'BigInt': {
        const value = BigInt(randomInt(100_000_000, 2 ** 47)) * 1_000n + BigInt(randomInt(0, 1_000));
        return { value, search: value.toString() };
      }
      case 'Float':
        return { value: randomInt(1_000, 1_000_000) + 0.5 };
      case 'Decimal':
        return { value: '1.5' };
      case 'Boolean':
        return { value: true };
      case 'DateTime':
        return this.dateFor(column);
      case 'Json': {
        const text = this.string();
        return { value: { canary: text }, search: text };
      }
      case 'Bytes':
        return { value: new Uint8Array(Buffer.from(this.string())) };
      default:
        return undefined;
    }
  }

  private stringFor(column: CatalogColumn): CanaryValue {
    if (column.sqlType === 'uuid') return this.searchable(randomUUID());
    if (/^(inet|cidr)\b/.test(column.sqlType))
      return { value: `10.${randomInt(0, 255)}.${randomInt(0, 255)}.${randomInt(1, 255)}` };
    const text = this.string(Number(MAX_LENGTH.exec(column.sqlType)?.[1] ?? Infinity));
    return column.sqlType === 'xml' ? { value: `<c>${text}</c>`, search: text } : { value: text, search: text };
  }

  private dateFor(column: CatalogColumn): CanaryValue {
    // Random milliseconds between 2001 and 2030; searched for only where the column keeps them.
    const date = new Date(randomInt(978_307_200_000, 1_893_456_000_000));
    if (column.sqlType === 'date') return { value: new Date(date.toISOString().slice(0, 10)) };
    const precision = /^timestamp\((\d)\)/.exec(column.sqlType)?.[1];
    const keepsMs = column.sqlType.startsWith('timestamp') && (precision === undefined || Number(precision) >= 3);
    return keepsMs ? { value: date, search: date.toISOString() } : { value: date };
  }

  private searchable(value: number | string): CanaryValue {
    return { value, search: String(value) };
  }
}
