/**
 * A real one-node Slurm for test/slurm/run.ts, started from nothing but Debian's slurm-wlm
 * and munge packages (installed by .ci/run) and a temp folder: a munged with its own key and
 * socket, a slurm.conf with free ports and every state, spool, pid and log file inside the
 * folder, then slurmctld and slurmd in the foreground as children of this process. Nothing
 * outside the folder is touched, so a Slurm someone else runs on the machine is not disturbed.
 * Everything started here is stopped by stop(), by pid; tasks' step daemons are found by the
 * SLURM_CONF they inherit, which names this folder's slurm.conf and nothing else.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** What must be installed (and who runs this) for a local Slurm. */
export function missingPrerequisites(): string[] {
  const missing = ['munged', 'munge', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scontrol', 'sinfo', 'runuser'].filter((cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0);
  if (process.getuid?.() !== 0) missing.push('root (slurmd starts tasks as their user)');
  if (spawnSync('id', ['munge']).status !== 0) missing.push('the munge user');
  return missing;
}

/** Polls `check` every `everyMs` until it returns a value, failing after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Pids of processes whose environment holds `entry` (e.g. "SLURM_CONF=/tmp/x/slurm.conf"). */
export function pidsWithEnv(entries: readonly string[]): number[] {
  const pids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let env: string[];
    try {
      env = fs.readFileSync(`/proc/${name}/environ`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (entries.every((e) => env.includes(e))) pids.push(Number(name));
  }
  return pids;
}

export class LocalSlurm {
  readonly env: NodeJS.ProcessEnv;
  private readonly children: ChildProcess[] = [];

  private constructor(
    readonly dir: string,
    readonly conf: string,
  ) {
    this.env = { ...process.env, SLURM_CONF: conf };
  }

  /** Starts munged, slurmctld and slurmd in `dir` and waits until the node is idle. */
  static async start(dir: string, memoryMb: number): Promise<LocalSlurm> {
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    const munge = path.join(dir, 'munge');
    // munged wants its folder its own and searchable by all (clients reach the socket through it).
    fs.mkdirSync(munge, { mode: 0o711 });
    fs.writeFileSync(path.join(munge, 'munge.key'), randomBytes(1024), { mode: 0o400 });
    spawnSync('chown', ['-R', 'munge:munge', munge]);
    const socket = path.join(munge, 'munge.socket');
    const host = os.hostname().split('.')[0] ?? 'localhost';
    const [ctldPort, dPort] = [await freePort(), await freePort()];
    for (const sub of ['state', 'spool', 'log']) fs.mkdirSync(path.join(dir, sub));
    const conf = path.join(dir, 'slurm.conf');
    fs.writeFileSync(
      conf,
      [
        'ClusterName=prunelens-test',
        `SlurmctldHost=${host}`,
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${dPort}`,
        'SlurmUser=root',
        'SlurmdUser=root',
        'AuthType=auth/munge',
        'CredType=cred/munge',
        // A requeued task waits cred_expire seconds before it may start again (120 by default).
        `AuthInfo=socket=${socket},cred_expire=10`,
        `StateSaveLocation=${dir}/state`,
        `SlurmdSpoolDir=${dir}/spool`,
        `SlurmctldPidFile=${dir}/slurmctld.pid`,
        `SlurmdPidFile=${dir}/slurmd.pid`,
        `SlurmctldLogFile=${dir}/log/slurmctld.log`,
        `SlurmdLogFile=${dir}/log/slurmd.log`,
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_Core',
        'ReturnToService=2',
        'JobAcctGatherType=jobacct_gather/none',
        'MpiDefault=none',
        `NodeName=${host} CPUs=${os.availableParallelism()} RealMemory=${memoryMb} State=UNKNOWN`,
        `PartitionName=test Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
        '',
      ].join('\n'),
    );
    const slurm = new LocalSlurm(dir, conf);
    try {
      slurm.spawnLogged('runuser', ['-u', 'munge', '--', 'munged', '-F', `--socket=${socket}`, `--key-file=${munge}/munge.key`, `--pid-file=${munge}/munged.pid`, `--log-file=${munge}/munged.log`, `--seed-file=${munge}/munged.seed`], 'munged');
      await waitFor('munged to answer', () => (spawnSync('sh', ['-c', `munge -n -S ${socket} | unmunge -S ${socket}`]).status === 0 ? true : undefined), 20_000);
      slurm.spawnLogged('slurmctld', ['-D', '-f', conf], 'slurmctld');
      slurm.spawnLogged('slurmd', ['-D', '-f', conf], 'slurmd');
      await waitFor('the node to be idle', () => (run('sinfo', ['-h', '-o', '%T'], slurm.env).out.trim() === 'idle' ? true : undefined), 60_000);
    } catch (err) {
      console.error(slurm.logTails());
      await slurm.stop([]);
      throw err;
    }
    return slurm;
  }

  private spawnLogged(cmd: string, args: string[], name: string): void {
    const out = fs.openSync(path.join(this.dir, 'log', `${name}.out`), 'a');
    const child = spawn(cmd, args, { env: this.env, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    this.children.push(child);
  }

  /** Runs a Slurm command (or any) with this cluster's SLURM_CONF; throws on failure. */
  command(cmd: string, args: readonly string[]): string {
    const r = run(cmd, args, this.env);
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.out}`);
    return r.out;
  }

  /** `scontrol show job ID`, one field map per record (an array job has one per task). */
  jobs(id: string): Map<string, string>[] {
    const r = run('scontrol', ['show', 'job', '-o', id], this.env);
    if (r.status !== 0) return [];
    return r.out
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => new Map([...line.matchAll(/(\w+)=(\S*)/g)].map((m) => [m[1] as string, m[2] as string])));
  }

  /** The first record of `scontrol show job ID` (an array task's own, given its id). */
  job(id: string): Map<string, string> | undefined {
    return this.jobs(id)[0];
  }

  /** Waits until none of `ids` is pending or running. */
  async drained(ids: readonly string[], timeoutMs: number): Promise<void> {
    await waitFor(`jobs ${ids.join(', ')} to finish`, () => (run('squeue', ['-h', '-j', ids.join(',')], this.env).out.trim() === '' ? true : undefined), timeoutMs, 500);
  }

  /** Cancels what is left, then stops the daemons and any step daemon of this cluster, by pid. */
  async stop(jobIds: readonly string[]): Promise<void> {
    if (jobIds.length > 0) {
      run('scancel', [...jobIds], this.env);
      await this.drained(jobIds, 30_000).catch(() => undefined);
    }
    const steps = pidsWithEnv([`SLURM_CONF=${this.conf}`]).filter((pid) => !this.children.some((c) => c.pid === pid) && pid !== process.pid);
    for (const pid of steps) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    let munged = 0;
    try {
      munged = Number(fs.readFileSync(path.join(this.dir, 'munge', 'munged.pid'), 'utf8').trim());
    } catch {
      // munged never got as far as writing its pid: its runuser parent is stopped below.
    }
    for (const child of [...this.children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // runuser forwards SIGTERM to munged; munged's own pid is in its pid file.
      if (child.spawnfile === 'runuser' && munged > 0) process.kill(munged, 'SIGTERM');
      else child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }

  /** The last lines of every daemon log, for a failure report. */
  logTails(lines = 15): string {
    const logs = fs.readdirSync(path.join(this.dir, 'log')).map((f) => path.join(this.dir, 'log', f));
    return logs.map((f) => `--- ${f}\n${fs.readFileSync(f, 'utf8').split('\n').slice(-lines).join('\n')}`).join('\n');
  }
}
