/**
 * A fast reader for the plain subset of YAML that Strata's own exports and Ramulator 2's resolved configurations use:
 * block mappings with identifier keys, block sequences (of scalars, of flow sequences, of mappings), flow sequences,
 * double-quoted strings without escapes, canonical decimal numbers, true and false, comment lines. It returns what
 * the `yaml` package's `parse` returns for such a text, about fifty times faster, and `undefined` for anything else
 * (another construct, an unusual spelling, a duplicate key, invalid YAML): the caller then parses the text with
 * `yaml`, which also gives the error messages. `test/spec/yaml-subset.test.ts` holds it to `yaml`'s result on every
 * mutation of the fuzz suite's configuration.
 *
 * Why: a Ramulator 2 configuration of a few KB took the `yaml` package about 10 ms to parse, 90 % of a
 * 20-request `strata dram --spec FILE.yaml` (profiled with `node --cpu-prof`; issue #18, the fuzz suite's dearest format).
 */
export function parseYamlSubset(text: string): unknown {
  const lines: Line[] = [];
  for (const raw of text.split('\n')) {
    // Characters outside printable ASCII are left to `yaml` (tabs, CR, BOM, control characters), except inside
    // double-quoted strings, which scalar() checks.
    let indent = 0;
    while (raw.charCodeAt(indent) === 32) indent++;
    if (indent === raw.length) continue; // blank
    const body = raw.slice(indent);
    if (body[0] === '#') {
      if (!printable(body)) return undefined;
      continue;
    }
    if (body.endsWith(' ')) return undefined;
    if (raw.startsWith('---') || raw.startsWith('...') || raw.startsWith('%')) return undefined;
    lines.push({ indent, text: body });
  }
  if (lines.length === 0 || lines[0]!.indent !== 0) return undefined;
  try {
    const [value, next] = block(lines, 0, 0);
    return next === lines.length ? value : undefined;
  } catch (e) {
    if (e === OUT) return undefined;
    throw e;
  }
}

interface Line {
  indent: number;
  text: string;
}

/** Thrown inside the reader when the text leaves the subset. */
const OUT = Symbol('outside the YAML subset');
function out(): never {
  throw OUT;
}

const KEY = /^([A-Za-z_][A-Za-z0-9_]*):(?: (.*))?$/;
/** Keys `yaml` reads as something other than their text (null, booleans, numbers' spellings). */
const SPECIAL_KEYS = new Set(['true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'null', 'Null', 'NULL', '_']);
const INT = /^-?(?:0|[1-9][0-9]{0,14})$/;
/** Decimal fractions and exponents: `yaml` reads them with parseFloat, which agrees with Number on these spellings. */
const FLOAT = /^-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,17})?(?:[eE][-+]?[0-9]{1,3})?$/;
/** Plain words `yaml`'s core schema reads as strings (not null, booleans or numbers: see the sets below). */
const WORD = /^[A-Za-z][A-Za-z0-9_]*$/;
const NOT_STRINGS = new Set(['true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'null', 'Null', 'NULL']);

function printable(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c > 126) return false;
  }
  return true;
}

const isItem = (l: Line): boolean => l.text === '-' || l.text.startsWith('- ');

/** The block (mapping or sequence) whose first line is lines[i], at `indent`; returns it and the next line's index. */
function block(lines: Line[], i: number, indent: number): [unknown, number] {
  return isItem(lines[i]!) ? sequence(lines, i, indent) : mapping(lines, i, indent);
}

function mapping(lines: Line[], i: number, indent: number): [Record<string, unknown>, number] {
  const obj: Record<string, unknown> = {};
  while (i < lines.length && lines[i]!.indent >= indent) {
    const l = lines[i]!;
    if (l.indent !== indent || isItem(l)) out();
    const m = KEY.exec(l.text);
    if (!m) out();
    const key = m[1]!;
    if (SPECIAL_KEYS.has(key) || Object.prototype.hasOwnProperty.call(obj, key) || key === '__proto__') out();
    i++;
    let value: unknown;
    if (m[2] !== undefined) {
      value = scalar(m[2]);
    } else if (i < lines.length && lines[i]!.indent > indent) {
      [value, i] = block(lines, i, lines[i]!.indent);
    } else {
      // `key:` then a sequence at the key's own indent is YAML too: left to `yaml`.
      if (i < lines.length && lines[i]!.indent === indent && isItem(lines[i]!)) out();
      value = null;
    }
    obj[key] = value;
  }
  return [obj, i];
}

function sequence(lines: Line[], i: number, indent: number): [unknown[], number] {
  const arr: unknown[] = [];
  while (i < lines.length && lines[i]!.indent >= indent) {
    const l = lines[i]!;
    if (l.indent !== indent || !isItem(l) || l.text === '-') out();
    const rest = l.text.slice(2);
    if (rest.startsWith(' ') || rest.startsWith('-')) out();
    if (KEY.test(rest)) {
      // A mapping that starts on the item's line: its keys sit two columns in.
      lines[i] = { indent: indent + 2, text: rest };
      const [obj, next] = mapping(lines, i, indent + 2);
      arr.push(obj);
      i = next;
    } else {
      arr.push(scalar(rest));
      i++;
    }
  }
  return [arr, i];
}

/** A scalar or a flow sequence, exactly as the whole rest of a line. */
function scalar(s: string): unknown {
  const r = { s, at: 0 };
  const v = value(r);
  if (r.at !== s.length) out();
  return v;
}

function value(r: { s: string; at: number }): unknown {
  const s = r.s;
  if (s[r.at] === '[') {
    r.at++;
    const arr: unknown[] = [];
    if (s[r.at] === ']') {
      r.at++;
      return arr;
    }
    for (;;) {
      arr.push(value(r));
      if (s[r.at] === ']') {
        r.at++;
        return arr;
      }
      if (s[r.at] !== ',' || s[r.at + 1] !== ' ') out();
      r.at += 2;
    }
  }
  if (s[r.at] === '"') {
    const end = s.indexOf('"', r.at + 1);
    if (end < 0) out();
    const str = s.slice(r.at + 1, end);
    for (let i = 0; i < str.length; i++) {
      const c = str.charCodeAt(i);
      // No escapes; no control characters, line or paragraph separators, BOM or lone surrogates.
      if (c < 32 || c === 92 || c === 127 || (c >= 0x80 && c <= 0x9f) || c === 0x2028 || c === 0x2029 || c === 0xfeff || (c >= 0xd800 && c <= 0xdfff)) out();
    }
    r.at = end + 1;
    return str;
  }
  // A plain token: up to the next ',' or ']' inside a flow sequence, or the end.
  let end = r.at;
  while (end < s.length && s[end] !== ',' && s[end] !== ']') end++;
  const tok = s.slice(r.at, end);
  r.at = end;
  if (tok === 'true') return true;
  if (tok === 'false') return false;
  if (tok === 'null' || tok === '~') return null;
  if (tok === '-0' || tok.startsWith('-0') && !tok.startsWith('-0.')) out();
  if (INT.test(tok) || FLOAT.test(tok)) return Number(tok);
  if (WORD.test(tok) && !NOT_STRINGS.has(tok)) return tok;
  return out();
}
