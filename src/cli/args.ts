/**
 * Command-line parsing on top of node:util's parseArgs: every command declares its options
 * once, with the help text, and bad usage becomes a UsageError (exit code 2).
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../core/util/errors';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  readonly default?: string | boolean;
  readonly help: string;
  /** Placeholder shown in help, e.g. "N" or "DIR". */
  readonly value?: string;
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  run(args: ParsedArgs): Promise<void>;
}

export interface ParsedArgs {
  readonly positionals: string[];
  readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>;
}

export function parseCommandArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries(spec.options)) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    const withDefaults: ParsedArgs['values'] = { ...values };
    for (const [name, o] of Object.entries(spec.options)) {
      if (withDefaults[name] === undefined && o.default !== undefined) withDefaults[name] = o.default;
    }
    return { values: withDefaults, positionals };
  } catch (e) {
    throw new UsageError(`${spec.name}: ${(e as Error).message}\nRun "prunelens ${spec.name} --help" for usage.`);
  }
}

export function commandHelp(spec: CommandSpec): string {
  const lines = [`Usage: prunelens ${spec.usage}`, '', spec.summary, '', 'Options:'];
  for (const [name, o] of Object.entries(spec.options)) {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
    const def = o.default !== undefined && o.default !== false ? ` (default: ${String(o.default)})` : '';
    lines.push(`  ${flag.padEnd(30)} ${o.help}${def}`);
  }
  lines.push(`  ${'-h, --help'.padEnd(30)} Show this help`);
  return lines.join('\n');
}

export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function bool(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

export function int(args: ParsedArgs, name: string, min = 1): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got "${v}"`);
  return n;
}

export function num(args: ParsedArgs, name: string): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${v}"`);
  return n;
}

export function choice<T extends string>(args: ParsedArgs, name: string, allowed: readonly T[]): T | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}

export function onePositional(args: ParsedArgs, spec: CommandSpec, what: string): string {
  const [first, ...rest] = args.positionals;
  if (first === undefined || rest.length > 0) {
    throw new UsageError(`${spec.name}: expected exactly one ${what}\nUsage: prunelens ${spec.usage}`);
  }
  return first;
}
