import { accessSync, constants, writeFileSync, renameSync, mkdirSync, realpathSync, rmSync, rmdirSync, statSync, openSync, writeSync, closeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StrataError } from '../spec/errors.ts';

/**
 * One output file: its path and its content (text, bytes such as a PNG image, or text made piece by piece as it
 * is written, for files too large to hold: the streamed records of a long serving run).
 */
export interface OutputFile {
  readonly path: string;
  readonly content: string | Uint8Array | StreamedContent;
}

/** Text written piece by piece: each string the iterable yields is appended to the file. */
export interface StreamedContent {
  readonly pieces: () => Iterable<string>;
}

/** Writes an output's content to a path (a streamed one piece by piece, never whole in memory). */
function writeContent(path: string, content: OutputFile['content']): void {
  if (typeof content === 'string' || content instanceof Uint8Array) {
    writeFileSync(path, content);
    return;
  }
  const fd = openSync(path, 'w');
  try {
    for (const piece of content.pieces()) writeSync(fd, piece);
  } finally {
    closeSync(fd);
  }
}

/** Where an output goes: a file replaced by a renamed temporary, or a device or pipe written in place. */
interface Target {
  readonly file: OutputFile;
  /** The path written or renamed onto: a symbolic link's target, so the link stays a link. */
  readonly real: string;
  readonly inPlace: boolean;
}

/**
 * Writes several output files so that either all of them appear whole or none does. Every target is checked
 * first (two outputs may not share a path, none may be a directory or lie below a file); then each file is
 * written to a temporary name beside its target and renamed into place only after every write succeeded. A
 * failure before the renames removes the temporary files and leaves every target as it was. An output that is a
 * device or a pipe (`/dev/null`, `/dev/stdout`, a FIFO) is written in place rather than replaced.
 */
export function writeOutputs(files: ReadonlyArray<OutputFile>): void {
  const targets = checkTargets(files);
  const replaced = targets.filter((t) => !t.inPlace);
  const temps: string[] = [];
  const removeTemps = (): void => temps.forEach((tmp) => rmSync(tmp, { force: true }));
  let current = '';
  try {
    for (const t of replaced) {
      current = t.file.path;
      makeFolders(dirname(t.real));
      const tmp = `${t.real}.tmp-${process.pid}`;
      temps.push(tmp);
      writeContent(tmp, t.file.content);
    }
    for (const t of targets) {
      current = t.file.path;
      if (t.inPlace) writeContent(t.real, t.file.content);
    }
  } catch (e) {
    removeTemps();
    if (e instanceof StrataError) throw new StrataError(`cannot write output '${current}': ${e.message}`);
    throw new StrataError(`cannot write output '${current}': ${fileErrorReason(e)}`);
  }
  // Renaming a file over a file in the same folder does not fail once the checks above passed, short of the
  // file system changing under us; if it does, the rest are not renamed and their temporary files go.
  for (let i = 0; i < replaced.length; i++) {
    try {
      renameSync(temps[i]!, replaced[i]!.real);
    } catch (e) {
      for (const tmp of temps.slice(i)) rmSync(tmp, { force: true });
      const done = replaced.slice(0, i).map((t) => t.file.path);
      throw new StrataError(`cannot write output '${replaced[i]!.file.path}': ${fileErrorReason(e)}${done.length ? ` (already written: ${done.join(', ')})` : ''}`);
    }
  }
}

/**
 * Checks output paths as writeOutputs will, without writing: a command calls it when it starts, so a path that
 * cannot be written fails before minutes of computing rather than after.
 */
export function checkOutputPaths(paths: ReadonlyArray<string>): void {
  const targets = checkTargets(paths.map((path) => ({ path, content: '' })));
  // The folders must also be writable: a path whose parents are all folders can still be refused by the file
  // system (`--out /proc/x`: /proc is a folder in which nothing can be made; a read-only mount; no permission).
  // Found by the audit of issue #18: `strata figures --out /proc/x` computed for 5 minutes and then failed.
  const checked = new Set<string>();
  for (const t of targets) {
    if (t.inPlace) continue;
    const dir = dirname(t.real);
    if (checked.has(dir)) continue;
    checked.add(dir);
    checkWritableFolder(dir, t.file.path);
  }
}

/**
 * Checks that files can be written in `dir`: an existing folder must be writable (access W_OK, which a read-only
 * mount refuses even to root); missing folders are made one level at a time, as writeOutputs will make them, and
 * removed again, so the check leaves nothing behind and fails with the reason the write would fail with.
 */
function checkWritableFolder(dir: string, path: string): void {
  const missing: string[] = [];
  for (let d = dir; statOf(d) === undefined && dirname(d) !== d; d = dirname(d)) missing.push(d);
  const existing = missing.length > 0 ? dirname(missing[missing.length - 1]!) : dir;
  try {
    accessSync(existing, constants.W_OK);
  } catch (e) {
    throw new StrataError(`cannot write output '${path}': cannot write in the folder '${existing}': ${fileErrorReason(e)}`);
  }
  const made: string[] = [];
  try {
    for (const d of missing.reverse()) {
      try {
        mkdirSync(d);
      } catch (e) {
        throw new StrataError(`cannot write output '${path}': cannot create the folder '${d}': ${fileErrorReason(e)}`);
      }
      made.push(d);
    }
  } finally {
    for (const d of made.reverse()) {
      try {
        rmdirSync(d);
      } catch {
        // Another process wrote into the folder meanwhile (ENOTEMPTY): the folder is theirs too now; leave it.
        break;
      }
    }
  }
}

/** The checked targets of several outputs: each can be a file, and no two share one. */
function checkTargets(files: ReadonlyArray<OutputFile>): Target[] {
  const targets = files.map(checkTarget);
  const seen = new Map<string, string>();
  for (const t of targets) {
    const other = seen.get(t.real);
    if (other !== undefined) throw new StrataError(`cannot write output: '${t.file.path}' is named for two outputs (also as '${other}'); give each output its own file`);
    seen.set(t.real, t.file.path);
  }
  return targets;
}

/** The checked target of one output; throws a user error naming the path when it cannot be a file. */
function checkTarget(file: OutputFile): Target {
  const stat = statOf(file.path);
  if (stat?.isDirectory()) throw new StrataError(`cannot write output: '${file.path}' is a directory, expected a file path`);
  // A device, pipe or socket is written through the path as given (/dev/stdout's real path may be a pipe's name).
  if (stat !== undefined && !stat.isFile()) return { file, real: file.path, inPlace: true };
  if (stat !== undefined) return { file, real: realpathSync(file.path), inPlace: false };
  const real = resolve(file.path);
  // A new file: the nearest existing folder above it must be a folder, not a file.
  for (let dir = dirname(real); ; dir = dirname(dir)) {
    const s = statOf(dir);
    if (s !== undefined) {
      if (!s.isDirectory()) throw new StrataError(`cannot write output '${file.path}': '${dir}' is a file, not a directory`);
      break;
    }
    if (dirname(dir) === dir) break;
  }
  return { file, real, inPlace: false };
}

/**
 * Creates `dir` and the folders above it that are missing, one level at a time. Node's recursive mkdir loops
 * forever where a folder cannot be made though its parent exists (`--csv /proc/x`: ENOENT under /proc); one
 * level at a time, that mkdir fails once with its reason.
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; statOf(d) === undefined && dirname(d) !== d; d = dirname(d)) missing.push(d);
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      throw new StrataError(`cannot create the folder '${d}': ${fileErrorReason(e)}`);
    }
  }
}

function statOf(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** A file-system error without Node's call details (the code and the message's first clause). */
export function fileErrorReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const code = err.code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOSPC') return 'no space left on the device';
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'ENOENT') return 'no such file or directory';
  return (err.message ?? String(e)).replace(/, (open|mkdir|rename) '.*'$/, '');
}
