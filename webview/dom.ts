/**
 * Building elements without HTML strings: every text goes in as a text node or an attribute
 * value, never through innerHTML, so a parameter name can never become markup. Styles are
 * set through CSSOM properties (allowed by the page's CSP, unlike style attributes).
 */

type Attrs = Readonly<Record<string, string | number | boolean | undefined>>;

function setAttrs(el: Element, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
}

/** An HTML (or custom) element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  el.append(...children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes and children. */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string)[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  el.append(...children);
  return el;
}

/** An SVG <title>: the native tooltip of its parent. */
export function tooltip(text: string): SVGTitleElement {
  return s('title', {}, text);
}

let measure: CanvasRenderingContext2D | null | undefined;

/**
 * How wide `text` is drawn in the page's font at `px` pixels, so labels get the room they
 * need instead of a guess per character. Falls back to an estimate where there is no canvas.
 */
export function textWidth(text: string, px: number, bold = false): number {
  measure ??= document.createElement('canvas').getContext('2d');
  if (measure === null) return text.length * px * (bold ? 0.68 : 0.62);
  measure.font = `${bold ? '700 ' : ''}${px}px ${getComputedStyle(document.body).fontFamily}`;
  return measure.measureText(text).width;
}
