/** A small well-formedness check for the XML (SVG) the project writes, for tests without a parser. */
import assert from 'node:assert/strict';

/** Throws unless `xml` is well-formed: balanced tags, quoted attributes, escaped text. */
export function checkWellFormed(xml: string): void {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  let roots = 0;
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let match: RegExpExecArray | null;
  let end = 0;
  while ((match = token.exec(body)) !== null) {
    end = token.lastIndex;
    const [, closing, name, , selfClosing, text] = match;
    if (text !== undefined) {
      assert.doesNotMatch(text.replace(/&(amp|lt|gt|quot|apos|#\d+);/g, ''), /&/, `unescaped & in text: ${text.slice(0, 40)}`);
      if (stack.length === 0) assert.match(text, /^\s*$/, 'text outside the root element');
    } else if (closing) {
      assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    } else {
      if (stack.length === 0) roots++;
      if (!selfClosing) stack.push(name as string);
    }
  }
  assert.equal(end, body.length, `not a tag or text at: ${body.slice(end, end + 60)}`);
  assert.deepEqual(stack, [], 'unclosed elements');
  assert.equal(roots, 1, 'exactly one root element');
}
