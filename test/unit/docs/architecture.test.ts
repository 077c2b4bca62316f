import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
/** The doc's inline code, outside its fenced blocks (the picture). */
const inline = [...doc.replace(/```[\s\S]*?```/g, '').matchAll(/`([^`\n]+)`/g)].map((match) => match[1]!);
/** Inline code that names a path in the repository; `<kind>` marks one to create. */
const paths = inline.filter((code) => /^(src|test|docs|bench|examples)\//.test(code) && !code.includes('<'));

const folders = (path: string): string[] =>
  readdirSync(join(ROOT, path), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `${path}/${entry.name}`);

/** The members `StoreBase` declares abstract: what a new store must write. */
const abstractMembers = [
  ...readFileSync(join(ROOT, 'src', 'storage', 'base.ts'), 'utf8').matchAll(
    /^\s*(?:\w+ )*abstract (?!class )(?:readonly )?(\w+)/gm,
  ),
].map((match) => match[1]!);

describe('docs/architecture.md', () => {
  it('names only files and folders that exist', () => {
    expect(paths.length).toBeGreaterThan(40);
    expect(paths.filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);
  });

  it('describes every layer of src and every store', () => {
    const named = new Set(
      paths.map((path) =>
        path
          .split('/')
          .slice(0, path.startsWith('src/storage/') ? 3 : 2)
          .join('/'),
      ),
    );
    expect([...folders('src'), ...folders('src/storage')].filter((folder) => !named.has(folder))).toEqual([]);
  });

  it('adds a store with its own folder, one registration line and one test file', () => {
    const section = doc.slice(doc.indexOf('### A store'), doc.indexOf('### A signal'));
    const touched = [...section.matchAll(/`([^`\n]+)`/g)]
      .map((match) => match[1]!)
      .filter((code) => code.includes('<kind>') && /^(src|test)\//.test(code));
    expect(touched.every((path) => path.startsWith('src/storage/<kind>/') || path.startsWith('test/'))).toBe(true);
    expect(touched.filter((path) => path.startsWith('test/'))).toHaveLength(1);
    expect(section).toContain('one line in `src/storage/registry.ts`');
  });

  it("lists the store's methods that StoreBase leaves abstract, and no others", () => {
    const section = doc.slice(doc.indexOf('### A store'), doc.indexOf('### A signal'));
    const bullet = section.slice(section.indexOf('- `src/storage/<kind>/store.ts`'), section.indexOf('A SQL store'));
    const listed = [...bullet.matchAll(/`(\w+)`/g)].map((match) => match[1]!).filter((name) => name !== 'StoreBase');
    expect(abstractMembers).toContain('querySpend');
    expect([...listed].sort()).toEqual([...abstractMembers].sort());
  });
});
