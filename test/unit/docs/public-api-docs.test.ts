import { join } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..', '..', '..');
const INDEX = join(ROOT, 'src', 'index.ts');

/**
 * Exports whose TSDoc is still to be written, in files whose code others are changing: each entry is
 * checked to be still undocumented, so that it leaves this list once it has its doc.
 */
const PENDING = new Set<string>();

interface ExportDoc {
  name: string;
  kind: 'class' | 'error class' | 'function' | 'value' | 'type';
  file: string;
  hasText: boolean;
  hasExample: boolean;
}

/**
 * Every export of `src/index.ts`, through `export *` and re-exports, with what its declarations' TSDoc
 * holds. Only our sources are read (packages' declarations as empty files, no standard library), which
 * keeps this quick: nothing is type-checked, the exports are only bound and resolved.
 */
function publicExports(): ExportDoc[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    resolveJsonModule: true,
    types: [],
    noLib: true,
    noEmit: true,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) =>
    fileName.includes('/node_modules/')
      ? ts.createSourceFile(fileName, '', languageVersion)
      : getSourceFile(fileName, languageVersion, ...rest);
  const program = ts.createProgram([INDEX], options, host);
  const checker = program.getTypeChecker();
  const index = checker.getSymbolAtLocation(program.getSourceFile(INDEX)!)!;

  /** Whether a class extends `Error`, through our own classes: without the standard library `Error` is unresolved. */
  const isError = (declaration: ts.Declaration | undefined): boolean => {
    if (!declaration || !ts.isClassDeclaration(declaration)) return false;
    const base = declaration.heritageClauses?.find((clause) => clause.token === ts.SyntaxKind.ExtendsKeyword)?.types[0]
      ?.expression;
    if (!base) return false;
    const symbol = checker.getSymbolAtLocation(base);
    if (!symbol) return base.getText() === 'Error';
    const resolved = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    return isError(resolved.declarations?.[0]);
  };
  const text = (comment: ts.JSDoc['comment']): string =>
    typeof comment === 'string' ? comment : (comment ?? []).map((part) => part.text).join('');

  return checker.getExportsOfModule(index).map((exported) => {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declarations = symbol.declarations ?? [];
    const docs = declarations.flatMap((declaration) => ts.getJSDocCommentsAndTags(declaration)).filter(ts.isJSDoc);
    const kind: ExportDoc['kind'] =
      symbol.flags & ts.SymbolFlags.Class
        ? isError(declarations[0])
          ? 'error class'
          : 'class'
        : symbol.flags & ts.SymbolFlags.Function
          ? 'function'
          : symbol.flags & ts.SymbolFlags.Variable
            ? 'value'
            : 'type';
    return {
      name: exported.name,
      kind,
      file: declarations[0]?.getSourceFile().fileName.slice(ROOT.length + 1) ?? '?',
      hasText: docs.some((doc) => text(doc.comment).trim() !== ''),
      hasExample: docs.some((doc) => (doc.tags ?? []).some((tag) => tag.tagName.text === 'example')),
    };
  });
}

describe('the public API (src/index.ts)', () => {
  const exports = publicExports();
  const label = (entry: ExportDoc): string => `${entry.kind} ${entry.name} (${entry.file})`;

  it('is read whole: classes, functions, values and types from every layer', () => {
    expect(exports.length).toBeGreaterThan(150);
    for (const name of ['DuckDBStore', 'StorePipeline', 'decodeTraces', 'SIGNALS', 'ObservabilityStore', 'Signal'])
      expect(exports.map((entry) => entry.name)).toContain(name);
    expect(exports.find((entry) => entry.name === 'StorageError')?.kind).toBe('error class');
    expect(exports.find((entry) => entry.name === 'MemoryStore')?.kind).toBe('class');
  });

  it('has TSDoc on every export', () => {
    const undocumented = exports.filter((entry) => !entry.hasText && !PENDING.has(entry.name));
    expect(undocumented.map(label)).toEqual([]);
  });

  // Errors are caught, not called: their TSDoc says when they are thrown, and needs no example.
  it('has an @example on every class and function a user calls', () => {
    const withoutExample = exports.filter(
      (entry) => (entry.kind === 'class' || entry.kind === 'function') && !entry.hasExample,
    );
    expect(withoutExample.map(label)).toEqual([]);
  });

  it('lists as pending only exports that are still undocumented', () => {
    const pending = exports.filter((entry) => PENDING.has(entry.name));
    expect(pending.map((entry) => entry.name).sort()).toEqual([...PENDING].sort());
    expect(pending.filter((entry) => entry.hasText).map(label)).toEqual([]);
  });
});
