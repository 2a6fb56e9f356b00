import { dramCommand } from './dram.ts';
import { handleStreamErrors } from './process-streams.ts';
import { exitCodeOf } from './user-error.ts';

// The entry of dist/cli/strata-dram.mjs (bin/cli-bundle.mjs): `strata dram` alone, without the other commands, the
// help table and `--set`, so that it starts by reading and compiling about a quarter of the whole command line's
// JavaScript (issue #19 item 4: start-up is part of the whole-process time users feel). bin/strata.mjs runs it only
// for the arguments bin/cli-route.mjs's dramOnly accepts (`dram` without --help, -h or --set); for those,
// src/cli/main.ts does exactly this: dramCommand on the arguments after `dram`, user errors through exitCodeOf.
handleStreamErrors();
const argv = process.argv.slice(2);
if (argv[0] !== 'dram') throw new Error(`internal invariant broken: dist/cli/strata-dram.mjs runs 'strata dram' only, got '${argv[0]}'`);
process.exitCode = await exitCodeOf(() => dramCommand(argv.slice(1)));
