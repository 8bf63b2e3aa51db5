/**
 * The `prunelens sensitivity` options that say what a scan measures, from the parts of a
 * sensitivity job spec the Analyze wizard collects: what a cluster task runs with, so a
 * scan set up in the editor runs the same on Slurm or Kubernetes.
 */
import type { SensitivityJobSpec } from './jobs';

/** `text` with the characters a regular expression gives meaning escaped. */
function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export function sensitivityArgs(spec: Pick<SensitivityJobSpec, 'params' | 'paramFilter' | 'ratios' | 'criterion' | 'metric' | 'engine' | 'earlyStopLoss'>): string[] {
  const args: string[] = [];
  if (spec.params !== undefined && spec.params.length > 0) args.push('--regex', `^(${spec.params.map(escapeRegex).join('|')})$`);
  else if (spec.paramFilter !== undefined) {
    const regex = /^\/(.+)\/[a-z]*$/.exec(spec.paramFilter);
    args.push(...(regex !== null ? ['--regex', regex[1] as string] : ['--params', spec.paramFilter]));
  }
  if (spec.ratios !== undefined) args.push('--ratios', spec.ratios.join(','));
  if (spec.criterion !== undefined) args.push('--criterion', spec.criterion);
  if (spec.metric !== undefined) args.push('--metric', spec.metric);
  if (spec.engine !== undefined) args.push('--engine', spec.engine);
  if (spec.earlyStopLoss !== undefined) args.push('--early-stop', String(spec.earlyStopLoss));
  return args;
}
