import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { anchorsOf, docFiles, linksOf, read, repoPath, ROOT } from './markdown';

// A newcomer follows links; a dead one (a renamed page, a heading that moved)
// is a dead end. Every relative link and #anchor in README.md and docs/*.md
// must land on a file, and on a heading (GitHub's anchors) when it names one.
describe('links in README.md and docs/*.md', () => {
  const anchorCache = new Map<string, Set<string>>();
  const anchors = (file: string) => {
    if (!anchorCache.has(file)) anchorCache.set(file, anchorsOf(read(file)));
    return anchorCache.get(file)!;
  };

  it.each(docFiles().map((file) => [repoPath(file), file]))(
    '%s: every relative link and anchor resolves',
    (_, file) => {
      expect(brokenLinks(file, read(file), anchors)).toEqual([]);
    },
  );

  it('reports a missing file, a missing anchor and an anchor on a folder', () => {
    const page = join(ROOT, 'docs', 'page.md');
    const text = [
      '[ok](../README.md#quick-start) [ok](#top) [ok](rls.md) [ok](https://example.com/#x)',
      '[gone](nope.md) [no anchor](../README.md#no-such-section) [folder](../lib#x)',
      '# Top',
    ].join('\n');
    const own = (file: string) => (file === page ? anchorsOf(text) : anchors(file));
    expect(brokenLinks(page, text, own)).toEqual([
      'docs/page.md:2: nope.md: no such file docs/nope.md',
      'docs/page.md:2: ../README.md#no-such-section: README.md has no heading with anchor #no-such-section',
      'docs/page.md:2: ../lib#x: an anchor on something that is not a Markdown page',
    ]);
  });

  it('reads anchors the way GitHub makes them', () => {
    const page = [
      '# The `rls.mode: transaction` option',
      '## Provisioning: `TenantProvisioner`',
      '## `--json`',
      '## Repeat',
      '## Repeat',
      '```md',
      '## Not a heading',
      '```',
      '<a id="custom-anchor"></a>',
    ].join('\n');
    expect([...anchorsOf(page)].sort()).toEqual(
      [
        'the-rlsmode-transaction-option',
        'provisioning-tenantprovisioner',
        '--json',
        'repeat',
        'repeat-1',
        'custom-anchor',
      ].sort(),
    );
  });

  it('finds links outside code only', () => {
    const page = ['See [a](a.md#x) and `[b](b.md)`.', '```', '[c](c.md)', '```', '[d]: ./d.md'].join('\n');
    expect(linksOf(page).map((link) => link.target)).toEqual(['a.md#x', './d.md']);
  });
});

/** The links of `text` (the page `file`) that lead nowhere, as `path:line: target: why`. */
function brokenLinks(file: string, text: string, anchors: (file: string) => Set<string>): string[] {
  const broken: string[] = [];
  for (const { line, target } of linksOf(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, ...
    const [pathPart, anchor] = splitTarget(target);
    const resolved = pathPart ? join(dirname(file), decodeURIComponent(pathPart)) : file;
    const where = `${repoPath(file)}:${line}: ${target}`;
    if (!resolved.startsWith(ROOT)) broken.push(`${where}: leaves the repository`);
    else if (resolved !== file && !existsSync(resolved)) broken.push(`${where}: no such file ${repoPath(resolved)}`);
    else if (anchor !== undefined) {
      if (resolved !== file && (statSync(resolved).isDirectory() || !resolved.endsWith('.md')))
        broken.push(`${where}: an anchor on something that is not a Markdown page`);
      else if (!anchors(resolved).has(anchor))
        broken.push(`${where}: ${repoPath(resolved)} has no heading with anchor #${anchor}`);
    }
  }
  return broken;
}

function splitTarget(target: string): [string, string | undefined] {
  const hash = target.indexOf('#');
  return hash === -1 ? [target, undefined] : [target.slice(0, hash), target.slice(hash + 1)];
}
