// The registry mirror on our machines lacks some optional platform packages (e.g. Biome's and
// Deno's macOS/Windows/Android binaries), so `npm install` leaves them out of package-lock.json and
// `npm ci` then refuses the lock as out of sync. This adds the entries the full registry would
// have written (version, os, cpu, optional), which `npm ci` skips on other platforms without
// fetching anything. Run it after every `npm install`; `--check` (in `npm run check`) fails when
// entries are missing.
import { readFileSync, writeFileSync } from 'node:fs';

const check = process.argv.includes('--check');
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const platform = (name) => {
  const n = name.split('/').pop();
  const os = ['android', 'darwin', 'linux', 'win32', 'freebsd', 'openbsd', 'sunos', 'aix'].find((o) =>
    n.includes(o),
  );
  const cpu = ['arm64', 'x64', 'ia32', 'arm', 'riscv64', 's390x', 'ppc64', 'loong64'].find((c) =>
    n.includes(c),
  );
  return { os, cpu, musl: n.includes('musl') };
};
let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (lock.packages[key] || lock.packages[`${path}/node_modules/${dep}`]) continue;
    const { os, cpu, musl } = platform(dep);
    if (!os || !cpu) {
      console.warn('cannot tell platform of', dep);
      continue;
    }
    lock.packages[key] = {
      version,
      ...(entry.dev && { dev: true }),
      optional: true,
      os: [os],
      cpu: [cpu],
      ...(musl && { libc: ['musl'] }),
    };
    added++;
  }
}
if (check) {
  if (added > 0) {
    console.error(
      `package-lock.json lacks ${added} optional platform entries: run node scripts/complete-lockfile.mjs`,
    );
    process.exit(1);
  }
  process.exit(0);
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) =>
    a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0,
  ),
);
writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} optional platform entries`);
