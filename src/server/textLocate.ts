/**
 * Finding things in text by offset: the quoted string under the cursor (for hover in
 * JSON, Python or TypeScript alike), and where a JSON path's key and value are (for
 * diagnostics that point at `metadata.model.fingerprint` or a group's entry). A small
 * scanner instead of a JSON library, because only positions are needed, never values.
 */

export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface QuotedString extends Span {
  /** The text between the quotes, escapes left as they are (names never contain any). */
  readonly value: string;
}

const QUOTES = new Set(['"', "'", '`']);

/** The quoted string on the line of `offset` whose quotes enclose it, if any. */
export function quotedStringAt(text: string, offset: number): QuotedString | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const newline = text.indexOf('\n', offset);
  const lineEnd = newline < 0 ? text.length : newline;
  let open = -1;
  let quote = '';
  for (let i = lineStart; i < lineEnd; i++) {
    const c = text[i] as string;
    if (open >= 0) {
      if (c === '\\') i++;
      else if (c === quote) {
        if (offset >= open && offset <= i) return { start: open + 1, end: i, value: text.slice(open + 1, i) };
        open = -1;
      }
    } else if (QUOTES.has(c)) {
      open = i;
      quote = c;
    }
    if (open < 0 && i >= offset) return undefined;
  }
  return undefined;
}

export interface JsonEntry {
  readonly key: Span;
  readonly value: Span;
}

/** Scans JSON text, calling `visit` with each object entry's path (keys from the top). */
function scanJson(text: string, visit: (path: readonly string[], entry: JsonEntry) => boolean | void): void {
  let i = 0;
  let stop = false;
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  const str = (): string => {
    const start = ++i;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    return JSON.parse(`"${text.slice(start, i++)}"`) as string;
  };
  const value = (path: string[]): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      while (!stop && i < text.length && text[i] !== '}') {
        const keyStart = i;
        const key = str();
        const keyEnd = i;
        ws();
        i++; // the colon
        ws();
        const valueStart = i;
        const child = [...path, key];
        value(child);
        if (visit(child, { key: { start: keyStart, end: keyEnd }, value: { start: valueStart, end: i } }) === true) stop = true;
        ws();
        if (text[i] === ',') i++;
        ws();
      }
      i++;
    } else if (c === '[') {
      i++;
      let index = 0;
      ws();
      while (!stop && i < text.length && text[i] !== ']') {
        value([...path, String(index++)]);
        ws();
        if (text[i] === ',') i++;
        ws();
      }
      i++;
    } else if (c === '"') {
      str();
    } else {
      while (i < text.length && !/[,\]}\s]/.test(text[i] as string)) i++;
    }
  };
  try {
    value([]);
  } catch {
    // Text that is not JSON (a file mid-edit): whatever was found before the error stands.
  }
}

function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((k, n) => k === b[n]);
}

/** Where the entry at `path` is (its key and its value), or undefined. */
export function locateJson(text: string, path: readonly string[]): JsonEntry | undefined {
  let found: JsonEntry | undefined;
  scanJson(text, (p, entry) => {
    if (!samePath(p, path)) return false;
    found = entry;
    return true;
  });
  return found;
}

/** The first string `"value"` in the text, quotes excluded, e.g. a layer's name in a model.json. */
export function locateString(text: string, value: string, after = 0): Span | undefined {
  const at = text.indexOf(JSON.stringify(value), after);
  return at < 0 ? undefined : { start: at + 1, end: at + 1 + value.length };
}
