/**
 * Quoting for the shell scripts the cluster generators write: every path and option goes
 * through here, so a folder with a space or a quote in its name cannot split a command.
 */
import { UsageError } from '../util/errors';

/** `word` for a POSIX shell: as it is when it holds only safe characters, else single-quoted. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_/.,:=@%+-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command line of quoted words. */
export function shellLine(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}

/**
 * Splits a command given as one string, e.g. `--prunelens "node /opt/prunelens/dist/cli.js"`,
 * into words: on spaces, with '...' and "..." keeping spaces inside a word. Nothing else of
 * shell syntax is understood (no variables, no escapes), so none can surprise anyone.
 */
export function splitCommand(text: string): string[] {
  const words: string[] = [];
  const pattern = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (const m of text.matchAll(pattern)) words.push(m[1] ?? m[2] ?? m[3] ?? '');
  if (words.length === 0) throw new UsageError('the prunelens command is empty');
  if (/["']/.test(words.join(''))) throw new UsageError(`the prunelens command has an unbalanced quote: ${text}`);
  return words;
}
