import { createHash } from 'node:crypto';
import { invariant } from './errors.ts';

/**
 * Timing runs kept for reuse, keyed by exactly what reached them (used by PIM-GPT, NeuPIMs and the Duplex Logic-PIM
 * streams; it lives in src/spec because it is about which spec fields a run read). A sensitivity study varies one spec
 * number at a time, and most of a PIM-GPT system's assumptions (MAC energy, link pJ/bit, buffer energies) only price
 * the work: the commands issued and their cycles are the same, so the seconds of simulation need not be spent again. A
 * run is keyed by everything its inputs hold (canonicalKey: every field of every object reachable from them, except the
 * hidden price fields) plus the price fields it did read (HiddenFields records every read): if a change to the
 * simulation made it read a price field, that field enters the key and a study that varies it simulates again. So the
 * key is right by construction, not by a list of which fields are thought to reach timing.
 */

/**
 * A canonical text of plain data: numbers, strings, booleans, null, undefined, arrays, typed arrays and plain
 * objects (own enumerable keys, sorted). Anything else (a Map, a class instance, a function) could hold state the
 * text would not show, so it is refused (an internal error naming where it was found).
 */
export function canonicalKey(value: unknown, where = '$'): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'number':
      // String() tells NaN, Infinity and -Infinity apart (JSON writes all three as null); -0 is kept apart from 0.
      return Object.is(value, -0) ? '-0' : String(value);
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return String(value);
    case 'object':
      break;
    default:
      invariant(false, `a timing key holds plain data only, found a ${typeof value} at ${where}`);
  }
  if (Array.isArray(value)) return `[${value.map((v, i) => canonicalKey(v, `${where}[${i}]`)).join(',')}]`;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return `${value.constructor.name}[${Array.from(value as unknown as ArrayLike<number>, (v) => canonicalKey(v)).join(',')}]`;
  }
  const proto = Object.getPrototypeOf(value);
  invariant(proto === Object.prototype || proto === null, `a timing key holds plain data only, found a ${proto?.constructor?.name ?? 'object'} at ${where}`);
  const o = value as Record<string, unknown>;
  return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalKey(o[k], `${where}.${k}`)}`).join(',')}}`;
}

/**
 * The `readNow` of TimingCache.get for hidden fields of `root` recorded by dotted path (`pim.standard.power`): the
 * canonical text of the value at that path of the object the view was made from.
 */
export function readPathOf(root: object): (path: string) => string {
  return (path) => canonicalKey(path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], root), path);
}

/**
 * Copies of objects with some fields hidden: not enumerable (so canonicalKey leaves them out) and read through a
 * getter that records the read, with the value read, in `reads` (path -> canonical value).
 */
export class HiddenFields {
  /** Every hidden field read so far: its path and its value's canonical text. */
  readonly reads = new Map<string, string>();

  /** A shallow copy of `obj` whose `fields` are hidden; `where` names it in `reads` (`pim.standard`). */
  hide<T extends object>(obj: T, where: string, fields: readonly string[]): T {
    const copy = { ...obj } as Record<string, unknown>;
    for (const f of fields) {
      invariant(Object.hasOwn(copy, f), `a hidden field exists: ${where}.${f}`);
      const value = copy[f];
      const path = `${where}.${f}`;
      Object.defineProperty(copy, f, {
        enumerable: false,
        get: () => {
          if (!this.reads.has(path)) this.reads.set(path, canonicalKey(value, path));
          return value;
        },
      });
    }
    return copy as T;
  }
}

/** One kept run: the hidden fields it read (path -> canonical value) and its result. */
interface Kept<T> {
  readonly reads: ReadonlyMap<string, string>;
  readonly result: T;
}

/**
 * Results of timing runs by key, the most recently used `capacity` of them (a sensitivity study alternates between
 * a few systems; more would only hold memory). A hit needs the same key and the same values of every hidden field
 * the kept run read.
 */
export class TimingCache<T> {
  private readonly kept = new Map<string, Kept<T>[]>();
  private readonly order: string[] = [];
  /** Runs looked up and found, and runs made (for tests and measurements). */
  hits = 0;
  misses = 0;

  constructor(private readonly capacity = 16) {}

  /** The sha256 of a key's canonical text (keys of whole specs run to tens of kilobytes). */
  static digest(text: string): string {
    return createHash('sha256').update(text).digest('hex');
  }

  /**
   * The kept result for `key` whose hidden reads match `readNow` (the canonical value of a hidden field now), or
   * `run`'s result, kept with the reads `hidden` saw during it.
   */
  get(key: string, readNow: (path: string) => string, hidden: HiddenFields, run: () => T): T {
    const entries = this.kept.get(key) ?? [];
    for (const e of entries) {
      if ([...e.reads].every(([path, v]) => readNow(path) === v)) {
        this.hits++;
        this.touch(key);
        return e.result;
      }
    }
    this.misses++;
    const result = run();
    entries.push({ reads: new Map(hidden.reads), result });
    this.kept.set(key, entries);
    this.touch(key);
    while (this.order.length > this.capacity) this.kept.delete(this.order.shift()!);
    return result;
  }

  private touch(key: string): void {
    const i = this.order.indexOf(key);
    if (i >= 0) this.order.splice(i, 1);
    this.order.push(key);
  }
}
