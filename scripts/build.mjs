// Builds dist/ with tsc: ES modules and .d.ts files, one file per source file, so bundlers see
// the worker's literal `new URL('../../worker/worker.js', import.meta.url)` and split it out.

import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
const result = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
