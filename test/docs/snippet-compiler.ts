import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import * as ts from 'typescript';

import { type CodeBlock, docFiles, parseMarkdown, read, repoPath, ROOT } from './markdown';

/** A TypeScript block of a page, to be compiled as a module of its own. */
export interface Snippet {
  /** `README.md:123`: the page and the line of the block's first line of code. */
  id: string;
  doc: string;
  block: CodeBlock;
  /**
   * File name of the module it is compiled as: the one its first line names
   * (`// app.module.ts`, `// src/app.module.ts`), so other snippets can import
   * it (`./app.module`), or one made from its page and line.
   */
  fileName: string;
}

/** A first line naming the snippet's file: `// app.module.ts` or `// src/app.module.ts`, then anything. */
const FILE_HEADER = /^\/\/ (?:src\/)?([\w.-]+\.ts)\b/;

const TS_LANGS = new Set(['ts', 'typescript']);
/** `<!-- snippet: skip (why) -->` on the line before the fence: a block that is deliberately partial. */
export const SKIP_MARKER = /^<!--\s*snippet:\s*skip\b.*-->$/;

/**
 * The folder that stands for the rest of the user's `src/`: the app's own
 * files the snippets import (`./tenant-directory`, ...). Merged with the
 * snippets' folder by `rootDirs`.
 */
export const APP_DIR = join(__dirname, 'app');

/**
 * The Prisma client the snippets import as `./generated/client`: the example
 * app's, generated from examples/prisma/schema.prisma, the schema the
 * README's quick start shows (test/docs/snippets.spec.ts holds them equal).
 */
export const GENERATED_CLIENT = join(ROOT, 'examples', 'src', 'generated', 'client');
/** The schema `GENERATED_CLIENT` is generated from. */
export const GENERATED_SCHEMA = join(ROOT, 'examples', 'prisma', 'schema.prisma');

/** Every ```ts / ```typescript block of README.md and docs/*.md not marked `snippet: skip`. */
export function collectSnippets(
  files = docFiles(),
  readPage: (file: string) => string = read,
): { snippets: Snippet[]; skipped: string[] } {
  const snippets: Snippet[] = [];
  const skipped: string[] = [];
  const taken = new Set<string>();
  for (const file of files) {
    const doc = repoPath(file);
    for (const block of parseMarkdown(readPage(file)).blocks) {
      if (!TS_LANGS.has(block.lang)) continue;
      const id = `${doc}:${block.line}`;
      if (SKIP_MARKER.test(block.before)) skipped.push(id);
      else snippets.push({ id, doc, block, fileName: fileNameOf(block, doc, taken) });
    }
  }
  return { snippets, skipped };
}

/** The file a snippet names in its first line, unless an earlier snippet took it; else one of its own. */
function fileNameOf(block: CodeBlock, doc: string, taken: Set<string>): string {
  const named = FILE_HEADER.exec(block.code)?.[1];
  if (named && !taken.has(named.toLowerCase())) {
    taken.add(named.toLowerCase());
    return named;
  }
  return `${doc.replace(/[^a-z0-9]+/gi, '_')}_L${block.line}.ts`;
}

/**
 * How snippets see the package: its name and subpaths point at the sources,
 * as the published `exports` map points at dist/.
 */
export const PACKAGE_PATHS: Record<string, string[]> = {
  'nestjs-prisma-tenancy': ['lib/index.ts'],
  'nestjs-prisma-tenancy/*': ['lib/*/index.ts'],
  // Subpaths outside lib/<name>/ (package.json "exports").
  'nestjs-prisma-tenancy/websockets/socket.io': ['lib/entry-points/websockets/socket.io/index.ts'],
  'nestjs-prisma-tenancy/websockets/ws': ['lib/entry-points/websockets/ws/index.ts'],
  // Packages an app adds that this repository does not install: see test/docs/stubs/README.md.
  '@nestjs/config': ['test/docs/stubs/nestjs-config'],
  '@nestjs/schedule': ['test/docs/stubs/nestjs-schedule'],
  'graphql-subscriptions': ['test/docs/stubs/graphql-subscriptions'],
};

/** A compiled set of snippets and extra files. */
export interface SnippetCompilation {
  /** Errors of each snippet, as `README.md:123:5 TS2339: message`; no entry when it compiled. */
  errors: Map<string, string[]>;
  /** Errors of each extra file, by its path relative to the repository. */
  extraErrors: Map<string, string[]>;
}

/**
 * Compiles every snippet as a module of one program (one type check for all,
 * `skipLibCheck`), with `extraFiles` (type-level tests) alongside. Diagnostics
 * come back on the page's own lines.
 */
export function compileSnippets(snippets: Snippet[], extraFiles: string[] = []): SnippetCompilation {
  // Inside the repository, so that packages resolve from its node_modules as they would in an app.
  const cache = join(ROOT, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'doc-snippets-'));
  try {
    const src = join(dir, 'src');
    mkdirSync(join(src, 'generated'), { recursive: true });
    // Where the README's generator puts the client (`output = "../src/generated"`).
    writeFileSync(join(src, 'generated', 'client.ts'), `export * from ${JSON.stringify(GENERATED_CLIENT)};\n`);
    const byFile = new Map<string, Snippet>();
    for (const snippet of snippets) {
      const fileName = join(src, snippet.fileName);
      writeFileSync(fileName, snippet.block.code + '\n');
      byFile.set(fileName, snippet);
    }
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      // CommonJS, as the README's generator (`moduleFormat = "cjs"`) and Nest apps compile: no top-level await.
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      // Every snippet is a module, even one without import or export: no clashes between snippets.
      moduleDetection: ts.ModuleDetectionKind.Force,
      lib: ['lib.es2023.d.ts'],
      types: ['node'],
      strict: true,
      esModuleInterop: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      skipLibCheck: true,
      noEmit: true,
      baseUrl: ROOT,
      paths: PACKAGE_PATHS,
      rootDirs: [src, APP_DIR],
    };
    const program = ts.createProgram({ rootNames: [...byFile.keys(), ...extraFiles], options });
    const errors = new Map<string, string[]>();
    for (const [fileName, snippet] of byFile) {
      const messages = diagnosticsOf(program, fileName).map((d) => format(d, snippet));
      if (messages.length) errors.set(snippet.id, messages);
    }
    const extraErrors = new Map<string, string[]>();
    for (const fileName of extraFiles) {
      const messages = diagnosticsOf(program, fileName).map((d) => format(d));
      if (messages.length) extraErrors.set(repoPath(fileName), messages);
    }
    return { errors, extraErrors };
  } finally {
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
}

function diagnosticsOf(program: ts.Program, fileName: string): readonly ts.Diagnostic[] {
  const file = program.getSourceFile(fileName);
  if (!file) throw new Error(`${fileName} is not in the program`);
  return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
}

/** `page:line:column TScode: message`, on the page's lines for a snippet, else the file's own. */
function format(diagnostic: ts.Diagnostic, snippet?: Snippet): string {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n    ');
  if (!diagnostic.file || diagnostic.start === undefined) return `TS${diagnostic.code}: ${message}`;
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  const where = snippet
    ? `${snippet.doc}:${snippet.block.line + line}:${snippet.block.indent + character + 1}`
    : `${repoPath(diagnostic.file.fileName)}:${line + 1}:${character + 1}`;
  return `${where} TS${diagnostic.code}: ${message}`;
}
