// Which prebuilt bundle runs a command line (bin/strata.mjs). `strata dram` has a bundle of its own,
// dist/cli/strata-dram.mjs (src/cli/dram-entry.ts), about a quarter of the whole command line's JavaScript, so that a
// DRAM run does not read and compile every other command at start-up (issue #19 item 4). It takes exactly the command
// lines on which src/cli/main.ts would only call dramCommand: `dram` first, and neither a help flag (main prints the
// command's help from its table) nor --set (main resolves it against the spec files first, src/cli/set-flag.ts).
// Kept in its own small file: bin/strata.mjs reads it at every start.

/** True when `argv` (the arguments after `strata`) is a `strata dram` run that dist/cli/strata-dram.mjs can run alone. */
export function dramOnly(argv) {
  if (argv[0] !== 'dram') return false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    // The flags src/cli/main.ts (--help, -h) and src/cli/set-flag.ts's takeSetFlags (--set, --set=) look for.
    if (a === '--help' || a === '-h' || a === '--set' || a.startsWith('--set=')) return false;
  }
  return true;
}
