import { StrataError } from './errors.ts';

/**
 * Evaluates timing expressions of constraint tables, such as `CWL + tBURST + tWTR_L` or
 * `max(tBURST, tCCD_S)`: integers, parameter names, + and -, parentheses, max() and min().
 * `where` names the file and field for errors.
 */
export function evaluateExpression(text: string, params: Readonly<Record<string, number>>, where: string): number {
  let pos = 0;
  const fail = (msg: string): never => {
    throw new StrataError(`${where}: ${msg} in expression "${text}" at character ${pos + 1}`);
  };
  const skip = () => {
    while (pos < text.length && text[pos] === ' ') pos++;
  };
  const sum = (): number => {
    let v = term();
    for (;;) {
      skip();
      const c = text[pos];
      if (c === '+') { pos++; v += term(); } else if (c === '-') { pos++; v -= term(); } else return v;
    }
  };
  const term = (): number => {
    skip();
    const c = text[pos];
    if (c === undefined) return fail('unexpected end');
    if (c === '(') {
      pos++;
      const v = sum();
      skip();
      if (text[pos] !== ')') fail("expected ')'");
      pos++;
      return v;
    }
    if (c === '-') { pos++; return -term(); }
    const num = /^[0-9]+/.exec(text.slice(pos));
    if (num) { pos += num[0].length; return Number(num[0]); }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(pos));
    if (!id) return fail(`unexpected '${c}'`);
    const name = id[0];
    pos += name.length;
    skip();
    if (text[pos] === '(') {
      if (name !== 'max' && name !== 'min') fail(`unknown function '${name}' (known: max, min)`);
      pos++;
      const args = [sum()];
      skip();
      while (text[pos] === ',') { pos++; args.push(sum()); skip(); }
      if (text[pos] !== ')') fail("expected ')' or ','");
      pos++;
      return name === 'max' ? Math.max(...args) : Math.min(...args);
    }
    const v = Object.hasOwn(params, name) ? params[name] : undefined;
    if (v === undefined) {
      fail(`unknown timing parameter '${name}' (defined: ${Object.keys(params).sort().join(', ')})`);
    }
    return v as number;
  };
  const value = sum();
  skip();
  if (pos !== text.length) fail(`unexpected '${text[pos]}'`);
  return value;
}
