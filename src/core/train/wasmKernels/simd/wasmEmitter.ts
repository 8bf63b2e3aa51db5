/**
 * A minimal WebAssembly binary writer: one module that imports a memory and exports
 * functions whose bodies are written with the instruction helpers of `Code`. Only the
 * instructions the SIMD kernels of this folder use are here (integer arithmetic on
 * pointers, structured loops, 128-bit float loads, stores and arithmetic).
 *
 * Why write bytes by hand: the kernels are a few dozen instructions each, and this keeps
 * the project free of a compiler toolchain and of committed binaries. The engine validates
 * the module when it is compiled, and the kernels are tested against the cpu backend.
 */

export type ValueType = 'i32' | 'f32' | 'v128';

const VALUE_TYPE: Record<ValueType, number> = { i32: 0x7f, f32: 0x7d, v128: 0x7b };

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...uleb(bytes.length), ...bytes];
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** A local variable or parameter, by index. */
export type Local = number;

/** One function body under construction; every method appends an instruction. */
export class Code {
  readonly bytes: number[] = [];
  private readonly localTypes: ValueType[] = [];

  constructor(private readonly paramCount: number) {}

  /** A new local of the given type (after the parameters). */
  local(type: ValueType): Local {
    this.localTypes.push(type);
    return this.paramCount + this.localTypes.length - 1;
  }

  /** The locals declaration that precedes the instructions in the body. */
  localsDeclaration(): number[] {
    return vector(this.localTypes.map((t) => [1, VALUE_TYPE[t]]));
  }

  private op(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }

  private simd(opcode: number, ...imm: number[]): this {
    return this.op(0xfd, ...uleb(opcode), ...imm);
  }

  get(l: Local): this {
    return this.op(0x20, ...uleb(l));
  }
  set(l: Local): this {
    return this.op(0x21, ...uleb(l));
  }
  tee(l: Local): this {
    return this.op(0x22, ...uleb(l));
  }
  i32(v: number): this {
    return this.op(0x41, ...sleb(v | 0));
  }
  f32(v: number): this {
    const b = new Uint8Array(new Float32Array([v]).buffer);
    return this.op(0x43, ...b);
  }
  add(): this {
    return this.op(0x6a);
  }
  sub(): this {
    return this.op(0x6b);
  }
  mul(): this {
    return this.op(0x6c);
  }
  /** Signed a >= b of the two i32 on the stack. */
  geS(): this {
    return this.op(0x4e);
  }
  /** Signed a < b of the two i32 on the stack. */
  ltS(): this {
    return this.op(0x48);
  }
  /** The first of two values if the i32 on top is non-zero, else the second. */
  select(): this {
    return this.op(0x1b);
  }
  /** local += value (i32). */
  addTo(l: Local, value: number | Local, isLocal = false): this {
    this.get(l);
    if (isLocal) this.get(value);
    else this.i32(value);
    return this.add().set(l);
  }

  /**
   * for (i = from; i < to; i += step) body, with i32 locals or constants for the bounds.
   * `to` is read on every test, so the body may not change it.
   */
  loop(i: Local, from: () => void, to: () => void, step: number, body: () => void): this {
    from();
    this.set(i);
    this.op(0x02, 0x40); // block
    this.op(0x03, 0x40); // loop
    this.get(i);
    to();
    this.geS();
    this.op(0x0d, 1); // br_if to the block's end
    body();
    this.addTo(i, step);
    this.op(0x0c, 0); // br to the loop's start
    this.op(0x0b, 0x0b); // end loop, end block
    return this;
  }

  /** v128.load from the i32 address on the stack plus a constant offset. */
  load(offset = 0): this {
    return this.simd(0x00, 2, ...uleb(offset));
  }
  /** v128.store of the vector on top to the address below it plus a constant offset. */
  store(offset = 0): this {
    return this.simd(0x0b, 2, ...uleb(offset));
  }
  splat(): this {
    return this.simd(0x13);
  }
  fadd(): this {
    return this.simd(0xe4);
  }
  /** The two low float32 lanes as float64 (f64x2.promote_low_f32x4). */
  promoteLow(): this {
    return this.simd(0x5f);
  }
  /** The high half of the vector on top (pushed twice) moved to its low half (an i8x16.shuffle). */
  highToLow(): this {
    return this.op(0xfd, 0x0d, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
  }
  dadd(): this {
    return this.simd(0xf0);
  }
  fsub(): this {
    return this.simd(0xe5);
  }
  fmul(): this {
    return this.simd(0xe6);
  }
  fmax(): this {
    return this.simd(0xe9);
  }
  fgt(): this {
    return this.simd(0x44);
  }
  and(): this {
    return this.simd(0x4e);
  }
}

export interface FunctionSpec {
  readonly name: string;
  readonly params: number;
  readonly build: (code: Code) => void;
}

/**
 * The bytes of a module importing `env.memory` and exporting the functions, each taking
 * `params` i32 arguments and returning nothing.
 */
export function emitModule(functions: readonly FunctionSpec[]): Uint8Array {
  const types = functions.map((f) => [0x60, ...vector(new Array<number[]>(f.params).fill([VALUE_TYPE.i32])), 0]);
  const imports = vector([[...name('env'), ...name('memory'), 0x02, 0x00, 1]]);
  const declarations = vector(functions.map((_, i) => uleb(i)));
  const exports = vector(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]));
  const bodies = functions.map((f) => {
    const code = new Code(f.params);
    f.build(code);
    const body = [...code.localsDeclaration(), ...code.bytes, 0x0b];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(2, imports),
    ...section(3, declarations),
    ...section(7, exports),
    ...section(10, vector(bodies)),
  ]);
}
