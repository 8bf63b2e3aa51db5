/**
 * The jobs a server has running, kept on disk so that a restarted server (after a crash,
 * a "Restart Server", or a reload of the window) picks them up again. An entry is written
 * when a job starts and removed when it ends in any way but an interruption; resuming is
 * just running the same spec again, because the results file says what is already done.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { JobSpec } from '../shared/protocol';

export interface JournalEntry {
  readonly id: string;
  readonly spec: JobSpec;
  readonly startedAt: string;
}

export class JobJournal {
  /** Without a folder (the client gave none) nothing is kept and nothing resumes. */
  constructor(private readonly dir: string | undefined) {}

  private fileOf(id: string): string | undefined {
    return this.dir === undefined ? undefined : path.join(this.dir, `${id.replace(/[^\w.-]/g, '_')}.json`);
  }

  async add(entry: JournalEntry): Promise<void> {
    const file = this.fileOf(entry.id);
    if (file === undefined) return;
    await fsp.mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.tmp`;
    await fsp.writeFile(temp, JSON.stringify(entry));
    await fsp.rename(temp, file);
  }

  async remove(id: string): Promise<void> {
    const file = this.fileOf(id);
    if (file !== undefined) await fsp.rm(file, { force: true });
  }

  /** Jobs left running by an earlier server, oldest first. Unreadable entries are dropped. */
  async pending(): Promise<JournalEntry[]> {
    if (this.dir === undefined) return [];
    const names = await fsp.readdir(this.dir).catch(() => [] as string[]);
    const entries: JournalEntry[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const file = path.join(this.dir, name);
      try {
        const entry = JSON.parse(await fsp.readFile(file, 'utf8')) as JournalEntry;
        if (typeof entry.id === 'string' && typeof entry.spec === 'object') entries.push(entry);
      } catch {
        await fsp.rm(file, { force: true });
      }
    }
    return entries.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }
}
