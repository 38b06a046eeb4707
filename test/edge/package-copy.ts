/**
 * The package as a user's project sees it, made fresh from src/ for tests that run threadkeep in
 * another process or runtime (child Node processes, Deno, workerd): `<app>/node_modules/threadkeep`
 * holds this repo's package.json (so its `exports` conditions decide what each runtime loads) and
 * a `dist/` transpiled from the current sources, without types and without waiting for `npm run
 * build`. Its dependencies resolve to this repo's node_modules.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export const repoRoot = resolve(import.meta.dirname, '../..');

export interface PackageCopy {
  /** The user's project directory (has package.json and node_modules). */
  app: string;
  /** `<app>/node_modules/threadkeep`. */
  packageDir: string;
  dispose(): void;
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

export function packageCopy(prefix = 'threadkeep-app-'): PackageCopy {
  const app = mkdtempSync(join(tmpdir(), prefix));
  const packageDir = join(app, 'node_modules', 'threadkeep');
  for (const source of [...sourceFiles(join(repoRoot, 'src')), ...sourceFiles(join(repoRoot, 'worker'))]) {
    const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    });
    const target = join(packageDir, 'dist', relative(repoRoot, source)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  writeFileSync(join(packageDir, 'package.json'), readFileSync(join(repoRoot, 'package.json')));
  symlinkSync(join(repoRoot, 'node_modules'), join(packageDir, 'node_modules'), 'dir');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  return { app, packageDir, dispose: () => rmSync(app, { recursive: true, force: true }) };
}
