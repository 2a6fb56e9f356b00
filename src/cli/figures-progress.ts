import cliProgress from 'cli-progress';

/**
 * Progress of `strata figures` on stderr (issue #17 item 4: "a bar with ETA on a TTY, sparse plain lines otherwise,
 * nothing with --quiet"). A cold run has about 300 units of work (cases, traces, assumption ends, sweep points);
 * a line per unit buried a log in them. So:
 *  - on a terminal, one bar redrawn in place (cli-progress, as the other long commands: src/cli/progress.ts) with
 *    done/total units, the rate, the time left and the unit just finished;
 *  - otherwise (a log, a pipe, CI) a plain line at every tenth of the units (as progressLine of src/cli/progress.ts
 *    and the sweep's lines), and one line per set when its data file is written or its work failed, so a log says
 *    what finished and what broke without a line per unit;
 *  - nothing with `quiet`.
 * The lines depend only on the counts and the order the units finish in, never on the clock, besides the seconds
 * they print.
 */
export class FiguresProgress {
  private done = 0;
  private shownTenth = -1;
  private readonly started: number;
  private bar: cliProgress.SingleBar | undefined;

  /**
   * `total` units known at the start (more may come: grow); `write` prints one plain line (console.error by
   * default, which the tests capture); `now` gives milliseconds (performance.now by default).
   */
  constructor(
    private total: number,
    private readonly opts: { readonly tty: boolean; readonly quiet?: boolean; readonly write?: (line: string) => void; readonly now?: () => number; readonly stream?: NodeJS.WritableStream },
  ) {
    this.started = this.now();
    // The bar is drawn from the start: the first unit of a cold run may take seconds.
    if (opts.tty && !opts.quiet) this.startBar('starting');
  }

  private startBar(detail: string): void {
    this.bar = new cliProgress.SingleBar({
      format: 'figures [{bar}] {value}/{total} units · ETA {eta_formatted} · {detail}',
      stream: this.opts.stream ?? process.stderr, hideCursor: false, clearOnComplete: true, etaBuffer: 30, etaAsynchronousUpdate: true,
    }, cliProgress.Presets.shades_classic);
    this.bar.start(Math.max(1, this.total), this.done, { detail });
  }

  private now(): number {
    return (this.opts.now ?? (() => performance.now()))();
  }

  private line(text: string): void {
    (this.opts.write ?? ((l: string) => console.error(l)))(text);
  }

  private seconds(): string {
    return `${((this.now() - this.started) / 1000).toFixed(1)} s`;
  }

  /** Adds work found later (a sensitivity study's second round, PNG export). */
  grow(n: number): void {
    this.total += n;
    this.bar?.setTotal(this.total);
  }

  /** One unit finished; `label` says which (`neupims: neupims-gpt3-7b alpaca-like batch 64`). */
  step(label: string): void {
    this.done += 1;
    if (this.opts.quiet) return;
    const total = Math.max(1, this.total);
    if (this.opts.tty) {
      if (!this.bar) this.startBar(label);
      this.bar!.update(this.done, { detail: label });
      return;
    }
    const tenth = Math.floor((10 * Math.min(this.done, total)) / total);
    // Only forward: work found later (grow) lowers the tenth reached, which is not shown again.
    if (tenth <= this.shownTenth) return;
    this.shownTenth = tenth;
    this.line(`figures: ${this.done}/${total} units in ${this.seconds()} (last: ${label})`);
  }

  /** A set's data file is written: one line (above the bar on a terminal). */
  setDone(name: string, units: number, file: string): void {
    this.say(`figures: ${name} done, ${units} unit${units === 1 ? '' : 's'}, at ${this.seconds()}: ${file}`);
  }

  /** A set's work failed: one line with the first line of why (the command reports the error itself at the end). */
  setFailed(name: string, message: string): void {
    this.say(`figures: ${name} failed at ${this.seconds()}: ${message.split('\n')[0]}`);
  }

  private say(text: string): void {
    if (this.opts.quiet) return;
    if (this.bar) {
      // Printed above the bar: the bar's line cleared, the text written, the bar drawn again below it.
      const stream = this.opts.stream ?? process.stderr;
      stream.write(`\r\x1b[2K${text}\n`);
      this.bar.render();
      return;
    }
    this.line(text);
  }

  /** Clears the bar; prints nothing more. */
  end(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
