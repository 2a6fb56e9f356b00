import { main } from './main.ts';

// A reader that stops early (`strata dram ... | head`) closes the pipe: the rest of the output has nowhere to go,
// which is not an error of the run (its files are already written whole), so end quietly as other Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

process.exitCode = await main(process.argv.slice(2));
