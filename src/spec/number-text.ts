/**
 * The number a flag's text writes, read the same way for every flag (issue #18: "numbers are read the same way in
 * every flag, exponent notation included"): decimal digits with an optional fraction and an optional exponent
 * (`250`, `0.5`, `.5`, `1e6`, `2.5E-3`), with an optional sign; undefined for anything else (hexadecimal,
 * `Infinity`, `NaN`, a number out of range, surrounding spaces, stray characters), which Number() alone would take or
 * misread. It lives with the spec readers because `--set path=value` reads its value here too.
 */
export function readNumber(text: string): number | undefined {
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
