/**
 * The header of a `.npy` file is a Python dict literal (NEP 1, "A simple file format for NumPy arrays"):
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`. This parses the subset of Python literal
 * syntax such headers use (dicts, tuples, lists, strings, integers, True/False/None), which is what
 * `numpy.lib.format` itself accepts through `ast.literal_eval`.
 */
export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

export function parsePyLiteral(text: string): PyValue {
  const p = new Parser(text);
  const v = p.value();
  p.skipSpace();
  if (p.pos < text.length) p.fail('unexpected text after the end of the header dict');
  return v;
}

class Parser {
  pos = 0;
  constructor(private readonly s: string) {}

  fail(message: string): never {
    throw new SyntaxError(`${message} at character ${this.pos}`);
  }

  skipSpace(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos]!)) this.pos++;
  }

  value(): PyValue {
    this.skipSpace();
    const c = this.s[this.pos];
    if (c === '{') return this.dict();
    if (c === '(') return this.sequence(')');
    if (c === '[') return this.sequence(']');
    if (c === "'" || c === '"') return this.string();
    if (c !== undefined && /[-+0-9]/.test(c)) return this.integer();
    for (const [word, v] of [
      ['True', true],
      ['False', false],
      ['None', null],
    ] as const) {
      if (this.s.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    return this.fail(c === undefined ? 'the header ends too early' : `unexpected '${c}'`);
  }

  private dict(): { [key: string]: PyValue } {
    const out: { [key: string]: PyValue } = {};
    this.pos++;
    for (;;) {
      this.skipSpace();
      if (this.s[this.pos] === '}') {
        this.pos++;
        return out;
      }
      const key = this.value();
      if (typeof key !== 'string') this.fail('dict keys must be strings');
      this.expect(':');
      out[key] = this.value();
      if (!this.separator('}')) return out;
    }
  }

  private sequence(close: string): PyValue[] {
    const out: PyValue[] = [];
    this.pos++;
    for (;;) {
      this.skipSpace();
      if (this.s[this.pos] === close) {
        this.pos++;
        return out;
      }
      out.push(this.value());
      if (!this.separator(close)) return out;
    }
  }

  /** After an item: a comma continues (true), the closing bracket ends the container (false). */
  private separator(close: string): boolean {
    this.skipSpace();
    const c = this.s[this.pos];
    if (c === ',') {
      this.pos++;
      return true;
    }
    if (c === close) {
      this.pos++;
      return false;
    }
    return this.fail(`expected ',' or '${close}'`);
  }

  private expect(c: string): void {
    this.skipSpace();
    if (this.s[this.pos] !== c) this.fail(`expected '${c}'`);
    this.pos++;
  }

  private string(): string {
    const quote = this.s[this.pos]!;
    let out = '';
    this.pos++;
    while (this.pos < this.s.length && this.s[this.pos] !== quote) {
      if (this.s[this.pos] === '\\') this.pos++;
      out += this.s[this.pos++] ?? '';
    }
    if (this.pos >= this.s.length) this.fail('unterminated string');
    this.pos++;
    return out;
  }

  private integer(): number {
    // Python 2 wrote shapes as long integers, `(3L, 4L)`: the `L` suffix is accepted as numpy does.
    const m = /^[-+]?[0-9]+L?/.exec(this.s.slice(this.pos, this.pos + 40));
    if (!m) return this.fail('malformed number');
    this.pos += m[0].length;
    return Number(m[0].replace('L', ''));
  }
}
