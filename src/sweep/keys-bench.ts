import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * What keying a sweep's points costs each `strata sweep` (a --dry-run included): in RUNS fresh processes, the CPU
 * time of the first `sweepPoints` of a shipped study (sampling, the shipped specs' and Strata's code digests, every
 * point's files and key), and the median. A fresh process each time because that first call is what a command pays
 * (V8 unwarmed, nothing read yet). Pass another checkout's root to time its code on the same machine, e.g. an export
 * of an older commit: `git archive C | tar -x -C /tmp/old && ln -s $PWD/node_modules /tmp/old/`. Run it with
 * `npx tsx src/sweep/keys-bench.ts [STUDY] [RUNS] [ROOT]` (default duplex-opb, 9 runs, this checkout).
 */

/** The script a fresh process runs: loads the study, then times one sweepPoints (CPU ms on stdout). */
const CHILD = `
const root = process.argv[1];
const { loadSweep } = await import(root + '/src/sweep/sweep-file.ts');
const { sweepPoints } = await import(root + '/src/sweep/run-sweep.ts');
const sweep = loadSweep(root + '/workloads/sweeps/' + process.argv[2] + '.yaml');
const c = process.cpuUsage();
sweepPoints(sweep);
const d = process.cpuUsage(c);
console.log((d.user + d.system) / 1000);
`;

/** CPU ms of the first sweepPoints of `study` in each of `runs` fresh processes under `root`, sorted. */
export function keysBench(study: string, runs: number, root: string): number[] {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD, root, study], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`keys bench: run ${i} failed: ${r.stderr.trim().split('\n').pop()}`);
    times.push(Number(r.stdout.trim()));
  }
  return times.sort((a, b) => a - b);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const study = process.argv[2] ?? 'duplex-opb';
  const runs = Number(process.argv[3] ?? 9);
  const root = resolve(process.argv[4] ?? '.');
  const t = keysBench(study, runs, root);
  console.log(`${root}: first sweepPoints of ${study}, ${runs} fresh processes: median ${t[Math.floor(t.length / 2)]!.toFixed(1)} CPU ms (${t.map((x) => x.toFixed(1)).join(', ')})`);
}
