import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SRC = join(__dirname, '../../../src');

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(directory, entry.name)) : [join(directory, entry.name)],
  );
}

describe('published types', () => {
  // Our .d.ts files mirror src: an import of an SDK package there would tie users to one SDK line.
  it('import no @opentelemetry package, so that they resolve beside the 2.x and the 3.x SDK alike', () => {
    const importing = sourceFiles(SRC).filter((file) => /from '@opentelemetry\//.test(readFileSync(file, 'utf8')));
    expect(importing).toEqual([]);
    expect(sourceFiles(SRC).length).toBeGreaterThan(40);
  });
});
