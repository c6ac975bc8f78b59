import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { read, ROOT } from './markdown';

// docs/troubleshooting.md promises every error code the package can produce,
// and the fields a TenancyConfigError can name. Read them from the sources,
// so a new code, or a new option checked at boot, cannot be added without
// its entry on the page.
const PAGE = join(ROOT, 'docs', 'troubleshooting.md');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

/** `errorCode = 'X'` of every error class; the codes the CLI's `--json` error document uses. */
export function errorCodesIn(files: { path: string; text: string }[]): string[] {
  const codes = new Set<string>();
  for (const { path, text } of files) {
    for (const match of text.matchAll(/\berrorCode(?:\??:\s*string)?\s*=\s*'([A-Z][A-Z0-9_]*)'/g)) codes.add(match[1]);
    if (!/[/\\]cli[/\\]/.test(path)) continue;
    // `code: 'X'` and `code = ... 'X'`: what is produced, not what is compared against (`code === 'EPIPE'`).
    for (const line of text.split('\n').filter((l) => /\bcode\s*[:=](?!=)/.test(l)))
      for (const match of line.matchAll(/'([A-Z][A-Z_]{2,})'/g)) codes.add(match[1]);
  }
  return [...codes].sort();
}

/** Literal fields given to `TenancyConfigError` (and its subclass, and the validator's `fail`); `[${i}]` read as `[i]`. */
export function configFieldsIn(files: { text: string }[]): string[] {
  const fields = new Set<string>();
  const call = /(?:new (?:TenancyConfigError|TenantSecretConfigError)|\bfail)\(\s*(['`])((?:(?!\1).)*?)\1\s*,/gs;
  for (const { text } of files) {
    for (const [, , raw] of text.matchAll(call)) {
      const field = raw.replace(/\[\$\{[^}]+\}\]/g, '[i]');
      if (!field.includes('${')) fields.add(field);
    }
    for (const [, field] of text.matchAll(/\bident\([^,()]+,\s*'([^']+)'\)/g)) fields.add(field);
  }
  return [...fields].sort();
}

describe('docs/troubleshooting.md', () => {
  const files = sourceFiles(join(ROOT, 'lib')).map((path) => ({ path, text: read(path) }));
  const page = read(PAGE);

  it('lists every error code the package defines', () => {
    const codes = errorCodesIn(files);
    expect(codes).toEqual(expect.arrayContaining(['TENANT_NOT_FOUND', 'MIGRATION_FAILED', 'USAGE', 'DATABASE_ERROR']));
    expect(codes.filter((code) => !page.includes(`\`${code}\``))).toEqual([]);
  });

  it('gives each HTTP error code a section of its own', () => {
    const headings = [...page.matchAll(/^### `([A-Z_]+)`$/gm)].map((m) => m[1]);
    const http = errorCodesIn(files.filter((f) => !/[/\\]cli[/\\]/.test(f.path)));
    expect(http.filter((code) => !headings.includes(code))).toEqual([]);
  });

  it('names every field a TenancyConfigError can carry', () => {
    const fields = configFieldsIn(files);
    expect(fields).toEqual(expect.arrayContaining(['strategy', 'store', 'tenants[i].id', 'policyPrefix', 'keys']));
    expect(fields.filter((field) => !page.includes(`\`${field}\``))).toEqual([]);
  });

  it('reads codes and fields the way the sources write them', () => {
    const sources = [
      {
        path: 'lib/x/a.error.ts',
        text: "  override readonly errorCode = 'NEW_CODE';\n  readonly errorCode: string = 'OTHER';",
      },
      {
        path: 'lib/cli/b.ts',
        text: "    code: flag ? 'CLI_ONE' : 'CLI_TWO',\n if (error.code !== 'EPIPE') x;\n const code = y ?? 'CLI_THREE';",
      },
      {
        path: 'lib/y.ts',
        text: "throw new TenancyConfigError(\n  'a.b',\n  'msg');\nfail(`list[${i}].c`, 'x'); fail(`d.${name}`, 'y'); ident(v, 'e')",
      },
    ];
    expect(errorCodesIn(sources)).toEqual(['CLI_ONE', 'CLI_THREE', 'CLI_TWO', 'NEW_CODE', 'OTHER']);
    expect(configFieldsIn(sources)).toEqual(['a.b', 'e', 'list[i].c']);
  });
});
