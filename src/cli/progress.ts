import cliProgress from 'cli-progress';
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

/** Progress of one command's work in units (requests, tokens, cases): a bar on a terminal, sparse lines otherwise. */
export interface WorkProgress {
  /** `done` units of `total` finished; `detail` says where the work is (shown beside the bar or the line). */
  update(done: number, detail?: string): void;
  /** Clears the bar (a terminal) and prints nothing more. */
  end(): void;
}

/**
 * Progress for a command that may take more than about 2 s (issue #17): on a terminal a bar with done/total, rate
 * and ETA (cli-progress, a well-kept library, redrawing in place on stderr), shown only once the work has run
 * `firstMs`; otherwise, for logs and pipes, a plain line at most every `everyMs` after `firstMs`; nothing with
 * `quiet`. Wall-clock time decides only what is shown, never what is computed.
 */
export function workProgress(label: string, unit: string, total: number, opts: { quiet?: boolean; tty?: boolean; now?: () => number; firstMs?: number; everyMs?: number } = {}): WorkProgress {
  if (opts.quiet || total <= 0) return { update: () => {}, end: () => {} };
  const now = opts.now ?? Date.now;
  const firstMs = opts.firstMs ?? 2000;
  const everyMs = opts.everyMs ?? 2000;
  const tty = opts.tty ?? process.stderr.isTTY === true;
  const start = now();
  let shownAt = -Infinity;
  let bar: cliProgress.SingleBar | undefined;
  return {
    update(done, detail = '') {
      const t = now();
      if (t - start < firstMs) return;
      if (tty) {
        if (!bar) {
          bar = new cliProgress.SingleBar({
            format: `${label} [{bar}] {value}/{total} ${unit} · {rate}/s · ETA {eta_formatted} {detail}`,
            stream: process.stderr, hideCursor: false, clearOnComplete: true, etaBuffer: 50, noTTYOutput: true, notTTYSchedule: 0,
          }, cliProgress.Presets.shades_classic);
          bar.start(total, 0, { rate: '0', detail });
        }
        bar.update(done, { rate: (done / Math.max(1e-3, (t - start) / 1000)).toFixed(1), detail });
        return;
      }
      if (t - shownAt < everyMs && done < total) return;
      shownAt = t;
      process.stderr.write(`${label}: ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} ${unit}${detail ? ` (${detail})` : ''}\n`);
    },
    end() {
      bar?.stop();
    },
  };
}
