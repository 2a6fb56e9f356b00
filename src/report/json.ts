/**
 * The text of a saved report: JSON indented by two spaces like `JSON.stringify(value, null, 2)`, except that an
 * array holding only numbers (or only such arrays, as the bank-state runs do) stays on one line. A bandwidth
 * series or a bank-state window is then a few lines per channel or bank instead of one line per number.
 */
export function reportJson(value: unknown): string {
  return `${format(value, '')}\n`;
}

function flat(v: unknown): boolean {
  return Array.isArray(v) && v.every((x) => typeof x === 'number' || (Array.isArray(x) && x.every((y) => typeof y === 'number')));
}

function format(v: unknown, indent: string): string {
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    if (flat(v)) return JSON.stringify(v);
    const inner = indent + '  ';
    return `[\n${v.map((x) => inner + format(x, inner)).join(',\n')}\n${indent}]`;
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    if (entries.length === 0) return '{}';
    const inner = indent + '  ';
    return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${format(x, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(v);
}
