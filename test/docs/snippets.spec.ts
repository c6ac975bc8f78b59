import { join } from 'node:path';

import { docFiles, parseMarkdown, read, repoPath } from './markdown';
import {
  collectSnippets,
  compileSnippets,
  GENERATED_SCHEMA,
  type SnippetCompilation,
  type Snippet,
} from './snippet-compiler';

// Docs are code: every ```ts block of README.md and docs/*.md is compiled
// against the package (its name and subpaths mapped to lib/) and the example
// app's generated Prisma client (`./generated/client`), as a module of
// its own, in one program. A block that is deliberately partial carries
// `<!-- snippet: skip (why) -->` on the line before its fence.
// Type-level tests of the public API ride along in the same program.
const TYPE_TESTS = [join(__dirname, 'types', 'shared-client.types.ts')];

const { snippets } = collectSnippets();
let compiled: SnippetCompilation;

beforeAll(() => {
  compiled = compileSnippets(snippets, TYPE_TESTS);
}, 120_000);

describe('TypeScript snippets of README.md and docs/*.md', () => {
  it('finds the snippets', () => {
    expect(snippets.length).toBeGreaterThan(30);
    expect(snippets.map((s) => s.doc)).toContain('README.md');
  });

  it.each(snippets.map((snippet): [string, Snippet] => [snippet.id, snippet]))('%s compiles', (id) => {
    expect(compiled.errors.get(id) ?? []).toEqual([]);
  });
});

// The snippets compile against the example app's client; the Prisma schemas the docs show must not
// promise another (README step 7 once counted tasks by a `done` field step 1's schema did not have).
// The README's is the example's, field for field; other pages may show a part of it.
describe('Prisma schemas in the docs', () => {
  const compiled = modelsOf(read(GENERATED_SCHEMA));
  const blocks = docFiles().flatMap((file) =>
    parseMarkdown(read(file))
      .blocks.filter((block) => block.lang === 'prisma')
      .map((block): [string, string] => [`${repoPath(file)}:${block.line}`, block.code]),
  );

  it('finds the README schema', () => {
    expect(blocks.map(([id]) => id)).toContainEqual(expect.stringMatching(/^README\.md:/));
  });

  it.each(blocks)('%s: its models and fields are those the snippets compile against', (id, code) => {
    const shown = modelsOf(code);
    const missing = [...shown].flatMap(([model, fields]) =>
      [...fields].filter((field) => !compiled.get(model)?.has(field)).map((field) => `${model}.${field}`),
    );
    expect(missing).toEqual([]);
    if (id.startsWith('README.md:')) {
      const unshown = [...compiled].flatMap(([model, fields]) =>
        [...fields].filter((field) => !shown.get(model)?.has(field)).map((field) => `${model}.${field}`),
      );
      expect(unshown).toEqual([]);
    }
  });
});

/** Model name → field names of a Prisma schema (or a part of one). */
function modelsOf(schema: string): Map<string, Set<string>> {
  const models = new Map<string, Set<string>>();
  for (const [, name, body] of schema.matchAll(/^model\s+(\w+)\s*\{([^}]*)\}/gm)) {
    const fields = body
      .split('\n')
      .map((line) => /^\s*([a-zA-Z]\w*)\s+\w/.exec(line)?.[1])
      .filter((field): field is string => field !== undefined);
    models.set(name, new Set(fields));
  }
  return models;
}

describe('type-level tests', () => {
  it.each(TYPE_TESTS.map((file) => [repoPath(file)]))(
    '%s compiles (every @ts-expect-error meets its error)',
    (file) => {
      expect(compiled.extraErrors.get(file) ?? []).toEqual([]);
    },
  );
});

describe('the snippet compiler', () => {
  it("reports a type error on the page's own line and column, and skips marked blocks", () => {
    const page = [
      '# Page',
      '',
      '```ts',
      "import { TenantContext } from 'nestjs-prisma-tenancy';",
      'export const id: number = (null as unknown as TenantContext).tenantId;',
      '```',
      '',
      '<!-- snippet: skip (a fragment) -->',
      '```typescript',
      'not typescript at all',
      '```',
      '',
      '- in a list:',
      '  ```ts',
      "  import { PrismaClient } from './generated/client';",
      '  export const n: string = new PrismaClient({} as never).task.count();',
      '  ```',
    ].join('\n');
    const file = join(__dirname, 'fixture-page.md');
    const { snippets: found, skipped } = collectSnippets([file], () => page);
    expect(skipped).toEqual(['test/docs/fixture-page.md:10']);
    const { errors } = compileSnippets(found);
    expect([...errors.keys()]).toEqual(['test/docs/fixture-page.md:4', 'test/docs/fixture-page.md:15']);
    expect(errors.get('test/docs/fixture-page.md:4')).toEqual([
      expect.stringMatching(
        /^test\/docs\/fixture-page\.md:5:14 TS2322: Type 'string' is not assignable to type 'number'/,
      ),
    ]);
    expect(errors.get('test/docs/fixture-page.md:15')).toEqual([
      expect.stringMatching(/^test\/docs\/fixture-page\.md:16:16 TS2322: Type 'PrismaPromise<number>'/),
    ]);
  }, 120_000);
});
