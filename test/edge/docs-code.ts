/** The storage wrappers printed in docs/edge.md, taken as printed so the tests run what users copy. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './package-copy.js';

/** The ```ts block of docs/edge.md whose first line is `// <file>`. */
export function docsCode(file: string): string {
  const text = readFileSync(join(repoRoot, 'docs/edge.md'), 'utf8');
  for (const [, code] of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
    if (code!.startsWith(`// ${file}\n`)) return code!;
  }
  throw new Error(`docs/edge.md has no \`\`\`ts block starting with "// ${file}"`);
}
