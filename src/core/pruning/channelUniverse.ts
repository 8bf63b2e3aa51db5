/**
 * Bookkeeping for which channels are coupled. Every layer that creates channels (a Conv2D,
 * a Dense, the model input, a layer the pruner cannot see through) gets a "space" of fresh
 * channel elements. A tensor's channel layout is the list of elements along its last axis,
 * so pass-through layers copy the list, Concatenate joins lists, and Flatten repeats it
 * once per spatial position. An Add says that its inputs' channel i are one channel: the
 * elements are merged (union-find), and so are their spaces. A group is then one connected
 * set of spaces, and its channels are the merged element classes within it.
 *
 * Working per element rather than per tensor keeps odd wirings (an Add after a Concatenate,
 * a layer called twice) correct without special cases.
 */

/** Channel elements along a tensor's last axis (or a weight axis). */
export type Layout = Int32Array;

export interface Space {
  /** The layer whose kernel creates these channels; undefined for fixed spaces. */
  readonly producer: string | undefined;
  readonly start: number;
  readonly size: number;
}

export class ChannelUniverse {
  readonly spaces: Space[] = [];
  private readonly parent: number[] = [];
  private readonly spaceOfElement: number[] = [];
  private readonly spaceParent: number[] = [];
  private readonly blocked = new Map<number, string>();
  private readonly unmaskable = new Map<number, string>();

  /** A space of `size` fresh elements; `fixedReason` marks channels nothing may prune. */
  newSpace(size: number, producer?: string, fixedReason?: string): Layout {
    const index = this.spaces.length;
    const start = this.parent.length;
    this.spaces.push({ producer, start, size });
    this.spaceParent.push(index);
    const layout = new Int32Array(size);
    for (let i = 0; i < size; i++) {
      this.parent.push(start + i);
      this.spaceOfElement.push(index);
      layout[i] = start + i;
    }
    if (fixedReason !== undefined) this.block(layout, fixedReason);
    return layout;
  }

  find(element: number): number {
    let e = element;
    while (this.parent[e] !== e) {
      const grand = this.parent[this.parent[e] as number] as number;
      this.parent[e] = grand;
      e = grand;
    }
    return e;
  }

  spaceRoot(space: number): number {
    let s = space;
    while (this.spaceParent[s] !== s) {
      const grand = this.spaceParent[this.spaceParent[s] as number] as number;
      this.spaceParent[s] = grand;
      s = grand;
    }
    return s;
  }

  spaceOf(element: number): number {
    return this.spaceOfElement[element] as number;
  }

  /** Makes a[i] and b[i] one channel for every i (the layouts have equal length). */
  unionLayouts(a: Layout, b: Layout): void {
    for (let i = 0; i < a.length; i++) this.union(a[i] as number, b[i] as number);
  }

  /** Marks the elements as unprunable; the first reason given for an element is kept. */
  block(layout: Layout, reason: string): void {
    for (const e of layout) if (!this.blocked.has(e)) this.blocked.set(e, reason);
  }

  blockReason(element: number): string | undefined {
    return this.blocked.get(element);
  }

  /**
   * Marks elements whose removal a mask of zeros does not reproduce (a normalisation over
   * the channels sees the zeros); the first reason given for an element is kept.
   */
  markUnmaskable(layout: Layout, reason: string): void {
    for (const e of layout) if (!this.unmaskable.has(e)) this.unmaskable.set(e, reason);
  }

  unmaskableReason(element: number): string | undefined {
    return this.unmaskable.get(element);
  }

  private union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[rb] = ra;
    const sa = this.spaceRoot(this.spaceOf(a));
    const sb = this.spaceRoot(this.spaceOf(b));
    if (sa !== sb) this.spaceParent[sb] = sa;
  }
}

/** `layout` with each entry repeated `times` times in place: [a, b] x2 -> [a, a, b, b]. */
export function repeatEach(layout: Layout, times: number): Layout {
  const out = new Int32Array(layout.length * times);
  for (let i = 0; i < out.length; i++) out[i] = layout[Math.floor(i / times)] as number;
  return out;
}

/** `layout` repeated whole `times` times: [a, b] x2 -> [a, b, a, b] (channels-last Flatten). */
export function tile(layout: Layout, times: number): Layout {
  const out = new Int32Array(layout.length * times);
  for (let p = 0; p < times; p++) out.set(layout, p * layout.length);
  return out;
}

export function concatLayouts(layouts: readonly Layout[]): Layout {
  const out = new Int32Array(layouts.reduce((n, l) => n + l.length, 0));
  let at = 0;
  for (const l of layouts) {
    out.set(l, at);
    at += l.length;
  }
  return out;
}
