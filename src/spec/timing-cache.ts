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

/** Where a hidden copy keeps the values of its hidden fields and the record they report reads to (HiddenFields.hide). */
const HIDDEN_SLOT = Symbol('hidden fields');

/** A hidden copy's slot: the record of reads and the hidden values by field name. */
interface HiddenSlot {
  readonly fields: HiddenFields;
  readonly values: Record<string, unknown>;
}

/**
 * The getter of each hidden field, by path, shared by every copy that hides it. V8 gives objects built with the same
 * properties in the same order, the accessors among them with the same getter, one hidden class (map); a getter made
 * per copy, or an accessor defined over an existing data property, gave every copy a slow dictionary-mode object
 * instead, and the simulation reads the copies' other fields in its hot loops (a sweep thread recompiled
 * PimGptMachine.tokenTiming 7 times after "wrong map" deopts: `node --trace-deopt bench/sweep-points-in-thread.mjs`).
 */
const hiddenGetters = new Map<string, (this: { [HIDDEN_SLOT]: HiddenSlot }) => unknown>();

function hiddenGetter(path: string, field: string): (this: { [HIDDEN_SLOT]: HiddenSlot }) => unknown {
  let get = hiddenGetters.get(path);
  if (!get) {
    get = function (this: { [HIDDEN_SLOT]: HiddenSlot }): unknown {
      const slot = this[HIDDEN_SLOT];
      return slot.fields.read(path, slot.values[field]);
    };
    hiddenGetters.set(path, get);
  }
  return get;
}

/**
 * Copies of objects with some fields hidden: not enumerable (so canonicalKey leaves them out) and read through a
 * getter that records the read, with the value read, in `reads` (path -> canonical value).
 */
export class HiddenFields {
  /** Every hidden field read so far: its path and its value's canonical text. */
  readonly reads = new Map<string, string>();

  /**
   * A shallow copy of `obj` whose `fields` are hidden; `where` names it in `reads` (`pim.standard`). The copy has
   * `obj`'s own enumerable fields in their order, each hidden one an accessor (hiddenGetter), then a symbol-keyed
   * slot with the hidden values: copies of equally shaped objects share one hidden class.
   */
  hide<T extends object>(obj: T, where: string, fields: readonly string[]): T {
    const src = obj as Record<string, unknown>;
    for (const f of fields) invariant(Object.hasOwn(src, f), `a hidden field exists: ${where}.${f}`);
    const copy: Record<string | symbol, unknown> = {};
    const values: Record<string, unknown> = {};
    for (const k of Object.keys(src)) {
      if (fields.includes(k)) {
        values[k] = src[k];
        Object.defineProperty(copy, k, { enumerable: false, configurable: true, get: hiddenGetter(`${where}.${k}`, k) });
      } else {
        copy[k] = src[k];
      }
    }
    Object.defineProperty(copy, HIDDEN_SLOT, { enumerable: false, value: { fields: this, values } satisfies HiddenSlot });
    return copy as T;
  }

  /** Records a read of the hidden field at `path` (its first value's canonical text) and returns the value. */
  read(path: string, value: unknown): unknown {
    if (!this.reads.has(path)) this.reads.set(path, canonicalKey(value, path));
    return value;
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
