/**
 * Progress of a sweep on stderr: on a terminal, one bar redrawn in place with done/total, the rate and the time
 * left; otherwise (a log file, CI) a plain line at every tenth of the points; nothing with --quiet.
 */

/** How progress is shown. */
export type ProgressMode = 'bar' | 'lines' | 'none';

/** The mode for a stream: a bar on a terminal, lines elsewhere, none when quiet. */
export function progressMode(quiet: boolean, stream: { isTTY?: boolean } = process.stderr): ProgressMode {
  return quiet ? 'none' : stream.isTTY ? 'bar' : 'lines';
}

/** Seconds as `1m05s` or `12s`. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const r = Math.round(s);
  return r >= 60 ? `${Math.floor(r / 60)}m${String(r % 60).padStart(2, '0')}s` : `${r}s`;
}

/** One progress line: `[######----] 12/64 points, 3.1/s, ETA 17s`. */
export function progressText(done: number, total: number, elapsedS: number, width = 24): string {
  const filled = total === 0 ? width : Math.round((width * done) / total);
  const rate = elapsedS > 0 ? done / elapsedS : 0;
  const eta = rate > 0 ? (total - done) / rate : Infinity;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} points, ${rate.toFixed(1)}/s, ETA ${formatSeconds(eta)}`;
}

/** A progress reporter: call with the count done after each point, then `end()`. */
export function sweepProgress(mode: ProgressMode, total: number, write: (s: string) => void = (s) => process.stderr.write(s)): { tick: (done: number) => void; end: () => void } {
  const start = performance.now();
  const elapsed = () => (performance.now() - start) / 1000;
  let shownTenth = -1;
  let last = 0;
  return {
    tick(done) {
      if (mode === 'bar') {
        const now = performance.now();
        if (now - last < 100 && done < total) return; // at most ten redraws a second
        last = now;
        write(`\rsweep ${progressText(done, total, elapsed())}\x1b[K`); // erase what a longer line left
      } else if (mode === 'lines') {
        const tenth = total === 0 ? 10 : Math.floor((10 * done) / total);
        if (tenth !== shownTenth) {
          shownTenth = tenth;
          write(`sweep: ${done}/${total} points (${formatSeconds(elapsed())})\n`);
        }
      }
    },
    end() {
      if (mode === 'bar') write('\n');
    },
  };
}
