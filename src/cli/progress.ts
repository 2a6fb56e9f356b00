/** Sparse progress on stderr for a long study: a line at every tenth of the work. */
export function progressLine(what: string): (done: number, total: number) => void {
  let shown = -1;
  return (done, total) => {
    const tenth = Math.floor((10 * done) / total);
    if (tenth !== shown) {
      shown = tenth;
      process.stderr.write(`${what}: ${done}/${total} runs\n`);
    }
  };
}

/**
 * Progress on stderr for one long simulation, by wall-clock time: nothing during the first `firstMs` (a short run
 * stays quiet), then a line at most every `everyMs`. The clock decides only whether to print, never what is
 * simulated, so results stay deterministic.
 */
export function timedProgress(what: string, now: () => number = Date.now, firstMs = 3000, everyMs = 2000): (cycle: number, lastCycle: number) => void {
  const start = now();
  let shownAt = -Infinity;
  return (cycle, lastCycle) => {
    const t = now();
    if (t - start < firstMs || t - shownAt < everyMs) return;
    shownAt = t;
    const pct = cycle < lastCycle ? ` (${Math.floor((100 * cycle) / lastCycle)} % of the trace's span)` : ' (draining the last requests)';
    process.stderr.write(`${what}: simulated cycle ${cycle.toLocaleString('en-US')} of at least ${lastCycle.toLocaleString('en-US')}${pct}\n`);
  };
}
