// `npm test`: builds the package (the packaging and bundler tests install the packed tarball),
// then runs every vitest project: Node (core, contract, packaging) and Chromium (browser).
import { spawnSync } from 'node:child_process';
import { findChromium } from './chromium.mjs';

const run = (cmd, args) => {
  const result = spawnSync(cmd, args, { stdio: 'inherit', shell: false });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

if (!findChromium()) {
  console.warn(
    "threadkeep tests: no Chromium at $CHROMIUM_PATH or /usr/bin/chromium; trying Playwright's own.\n" +
      'Install one with `apt-get update && apt-get install -y chromium` if the browser tests cannot start.',
  );
}
run('npm', ['run', 'build', '--silent']);
run('npx', ['vitest', 'run', ...process.argv.slice(2)]);
