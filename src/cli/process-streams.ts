import { fileErrorReason } from './output.ts';

/**
 * How the `strata` process treats a failed write to its standard streams; installed by each entry (src/cli/entry.ts,
 * src/cli/dram-entry.ts). A reader that stops early (`strata dram ... | head`) closes the pipe: the rest of the output
 * has nowhere to go, which is not an error of the run (its files are already written whole), so end quietly as other
 * Unix tools do. Any other failure to write (a full disk: `> /dev/full`) is the user's to fix: one line on stderr
 * and exit 2, as for any user error; when stderr itself fails there is nowhere to say it, so only the exit code tells.
 */
export function handleStreamErrors(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      if (stream === process.stdout) {
        try {
          process.stderr.write(`strata: cannot write to standard output: ${fileErrorReason(e)}\n`);
        } catch {
          // stderr failed too: the exit code is all that is left
        }
      }
      process.exit(2);
    });
  }
}
