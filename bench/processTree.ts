/**
 * CPU time and memory of a process together with every process it starts (the CLI's
 * worker processes), sampled from Linux's /proc: Node reports resource usage for itself
 * only. Each process's CPU time is its last sampled value, so a worker's final interval
 * (at most one sampling period) is missed; peak memory is the largest SUM of the tree's
 * resident sets seen at one sample, which is what the machine must hold at once.
 */
import * as fs from 'node:fs';

export interface TreeUsage {
  /** User + system seconds of every process of the tree, summed. */
  readonly cpuSeconds: number;
  /** Largest resident set of the whole tree at one moment, MB. */
  readonly peakRssMb: number;
}

const TICKS_PER_SECOND = 100;

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined; // the process has just exited
  }
}

function children(pid: number): number[] {
  const out: number[] = [];
  for (const task of fs.readdirSync(`/proc/${pid}/task`, { withFileTypes: true })) {
    const text = read(`/proc/${pid}/task/${task.name}/children`);
    if (text !== undefined) out.push(...text.trim().split(/\s+/).filter(Boolean).map(Number));
  }
  return out;
}

function tree(root: number): number[] {
  const all: number[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop() as number;
    all.push(pid);
    try {
      pending.push(...children(pid));
    } catch {
      // exited between listing and reading
    }
  }
  return all;
}

/** Samples `root`'s process tree every `periodMs` until stop() is called. */
export function sampleTree(root: number, periodMs = 100): { stop(): TreeUsage } {
  const cpuTicks = new Map<number, number>();
  let peakKb = 0;
  const sample = (): void => {
    let rssKb = 0;
    for (const pid of tree(root)) {
      const stat = read(`/proc/${pid}/stat`);
      const status = read(`/proc/${pid}/status`);
      if (stat === undefined || status === undefined) continue;
      // Fields after the command name (which may hold spaces): utime is the 14th, stime the 15th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuTicks.set(pid, Number(fields[11]) + Number(fields[12]));
      rssKb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    }
    peakKb = Math.max(peakKb, rssKb);
  };
  const timer = setInterval(sample, periodMs);
  sample();
  return {
    stop: () => {
      clearInterval(timer);
      let ticks = 0;
      for (const t of cpuTicks.values()) ticks += t;
      return { cpuSeconds: ticks / TICKS_PER_SECOND, peakRssMb: peakKb / 1024 };
    },
  };
}
