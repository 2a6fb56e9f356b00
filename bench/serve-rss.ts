// One `strata serve` run in a process of its own, for bench/run.ts's serving case: runs the command with the
// arguments given, then prints its peak resident memory and CPU time as JSON on the last line of stdout
// (process.resourceUsage(): maxRSS in KiB). A child process, so that the bench's other cases do not count.
import { serveCommand } from '../src/cli/serve.ts';

const t0 = process.hrtime.bigint();
const rc = serveCommand(process.argv.slice(2));
const u = process.resourceUsage();
console.log(JSON.stringify({ rc, maxRssMB: Math.round(u.maxRSS / 1024), cpuS: (u.userCPUTime + u.systemCPUTime) / 1e6, wallS: Number(process.hrtime.bigint() - t0) / 1e9 }));
