/** Deep-freezes a value so that a chart function that mutates its input report throws. */
export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** Number of matches of `re` (a global regexp) in `svg`. */
export const count = (svg: string, re: RegExp): number => (svg.match(re) ?? []).length;

/** Texts of the <text> elements of class `cls`, in document order. */
export const textOf = (svg: string, cls: string): string[] =>
  [...svg.matchAll(new RegExp(`<text[^>]*class="${cls}"[^>]*>([^<]*)</text>`, 'g'))].map((m) => m[1]!);

/** Checks that every element is closed in order (a small well-formedness check; no XML parser needed). */
export function wellFormed(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.replace(/<\?xml[^>]*\?>/, '').matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    const [, close, name, self] = m;
    if (self) continue;
    if (close) {
      if (stack.pop() !== name) return false;
    } else stack.push(name!);
  }
  return stack.length === 0;
}
