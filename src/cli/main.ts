import { StrataError } from '../spec/errors.ts';
import { dramCommand, DRAM_USAGE } from './dram.ts';
import { demoCommand } from './demo.ts';
import { validateCommand } from './validate.ts';
import { reportCommand, REPORT_USAGE } from './report.ts';
import { pimCommand, PIM_USAGE } from './pim.ts';
import { compileCommand, COMPILE_USAGE } from './compile.ts';
import { runCommand, RUN_USAGE } from './run.ts';
import { serveCommand, SERVE_USAGE } from './serve.ts';
import { figuresCommand, FIGURES_USAGE } from './figures.ts';

const USAGE = `usage: strata <command> [flags]

commands:
  dram    simulate a DRAM standard on a trace or a synthetic pattern
          ${DRAM_USAGE.split('\n').join('\n          ')}
  compile lower a model step to an op graph, map it with a policy, write the device trace (JSON Lines)
          ${COMPILE_USAGE.split('\n').join('\n          ')}
  run     time prefill or decode steps on a GPU/CPU baseline (analytical roofline) or a Duplex-family system; latency, throughput, energy
          ${RUN_USAGE.split('\n').join('\n          ')}
  serve   serve a request set with continuous batching on a system; TTFT, TBT, end-to-end latency, throughput
          ${SERVE_USAGE.split('\n').join('\n          ')}
  validate [dramsim3|peak|gpu|pim-gpt|neupims|duplex|attacc|page] [--sensitivity]
          accuracy tables: Strata vs DRAMsim3 reference outputs, streaming bandwidth vs peak, the GPU baseline vs
          H100 measurements, the three papers (pim-gpt, neupims [--reference], duplex [--co-processing]) with
          --sensitivity bands over every assumption, AttAcc's cycles; page reruns docs/validation.md's tables
  pim     in-bank PIM kernels: ${PIM_USAGE}
  report  ${REPORT_USAGE.split('\n').join('\n          ')}
  figures ${FIGURES_USAGE.split('\n').join('\n          ')}
  demo    the default run: HBM2 streaming and random traffic; JSON reports, SVG charts and HTML reports in out/demo/
  help    this text`;

/** The longest error message printed whole: messages quote the user's input, which may be a whole line of junk. */
const MAX_MESSAGE_CHARS = 1000;

/**
 * A message as one printable line: control characters (line breaks, escape sequences, NUL, and the Unicode line
 * separators) that a message quotes from a user's file are written as escapes such as \x1b, so they cannot break
 * the line or drive the terminal, and a message past MAX_MESSAGE_CHARS is cut, saying how much was left out.
 */
export function oneLine(message: string): string {
  const escaped = message.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
  const chars = [...escaped];
  if (chars.length <= MAX_MESSAGE_CHARS) return escaped;
  return `${chars.slice(0, MAX_MESSAGE_CHARS).join('')}… (${chars.length - MAX_MESSAGE_CHARS} more characters)`;
}

/** What a user error becomes: its message on stderr as one line and exit code 2; anything else is a bug and propagates. */
function userError(e: unknown): number {
  if (e instanceof StrataError) {
    console.error(`strata: ${oneLine(e.message)}`);
    return 2;
  }
  throw e;
}

/**
 * Runs the `strata` command line and returns the exit code: a number for every command but `figures` and
 * `report --png`, whose PNG export drives a browser and which therefore return a promise of it.
 */
export function main(argv: string[]): number | Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'dram':
        return dramCommand(rest);
      case 'compile':
        return compileCommand(rest);
      case 'run':
        return runCommand(rest);
      case 'serve':
        return serveCommand(rest);
      case 'demo':
        return demoCommand(rest);
      case 'validate':
        return validateCommand(rest);
      case 'report': {
        const code = reportCommand(rest);
        return typeof code === 'number' ? code : code.catch(userError);
      }
      case 'pim':
        return pimCommand(rest);
      case 'figures':
        return figuresCommand(rest).catch(userError);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new StrataError(`unknown command '${command}' (known: dram, compile, run, serve, validate, report, figures, pim, demo, help)`);
    }
  } catch (e) {
    return userError(e);
  }
}
