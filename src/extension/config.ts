/**
 * The `prunelens.*` settings behind typed getters, with the defaults the manifest
 * declares, and which of them only take effect when the language server restarts.
 */
import * as vscode from 'vscode';
import { SCALING_PRESETS } from '../shared/preprocessing';
import { CRITERIA, DEFAULT_CRITERION, DEFAULT_LOSS_THRESHOLD, DEFAULT_RATIOS, isOneOf, PROVIDERS, type Criterion, type ProviderName } from '../shared/vocabulary';
import { DEFAULT_DATA_SETTINGS, type DataSettings } from './dataChoice';

export const SECTION = 'prunelens';

/** Settings read when the server starts (its runtime, its options, the documents it serves). */
const RESTART_SETTINGS = ['server.runtime', 'server.execArgv', 'hover.languages'] as const;

function numbers(value: unknown): number[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'number') ? value : undefined;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}

export class Config {
  private get cfg(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SECTION);
  }

  /** Ratios offered first by Analyze Sensitivity. */
  get ratios(): readonly number[] {
    return numbers(this.cfg.get('analysis.ratios')) ?? DEFAULT_RATIOS;
  }

  get criterion(): Criterion {
    const value = this.cfg.get<string>('analysis.criterion');
    return isOneOf(CRITERIA, value) ? value : DEFAULT_CRITERION;
  }

  /** Worker processes a scan is split over. */
  get workers(): number {
    const value = this.cfg.get<number>('analysis.workers');
    return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : 1;
  }

  /** How the wizards read the user's own images: the scaling offered first, resize, sample size, cache folder. */
  get data(): DataSettings {
    const scaling = this.cfg.get<string>('data.scaling');
    const count = (key: string): number => {
      const value = this.cfg.get<number>(key);
      return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : 0;
    };
    return {
      scaling: scaling === 'model' || isOneOf(SCALING_PRESETS, scaling) ? scaling : DEFAULT_DATA_SETTINGS.scaling,
      resize: count('data.resize'),
      limit: count('data.limit'),
      cacheDir: this.cfg.get<string>('data.cacheDir')?.trim() ?? '',
    };
  }

  /** The loss threshold that picks ratios in the explorer and in hovers. */
  get lossThreshold(): number {
    const value = this.cfg.get<number>('lossThreshold');
    return typeof value === 'number' && value >= 0 ? value : DEFAULT_LOSS_THRESHOLD;
  }

  /** ONNX Runtime execution providers, in order of preference. */
  get providers(): readonly ProviderName[] {
    const listed = strings(this.cfg.get('evaluation.providers'));
    return listed !== undefined && listed.every((p) => isOneOf(PROVIDERS, p)) ? (listed as ProviderName[]) : ['cpu'];
  }

  /** A folder holding a user-installed @tensorflow/tfjs-node(-gpu), or empty. */
  get tfjsNodePath(): string {
    return this.cfg.get<string>('tfjsNodePath') ?? '';
  }

  /** The Node executable that runs the server; undefined means the editor's own. */
  get serverRuntime(): string | undefined {
    const value = this.cfg.get<string>('server.runtime')?.trim();
    return value ? value : undefined;
  }

  get serverExecArgv(): readonly string[] {
    return strings(this.cfg.get('server.execArgv')) ?? [];
  }

  /** Languages whose quoted parameter names get hovers (JSON always does). */
  get hoverLanguages(): readonly string[] {
    return strings(this.cfg.get('hover.languages')) ?? ['python', 'typescript', 'javascript'];
  }

  /** Whether a settings change needs a server restart to take effect. */
  needsRestart(event: vscode.ConfigurationChangeEvent): boolean {
    return RESTART_SETTINGS.some((s) => event.affectsConfiguration(`${SECTION}.${s}`));
  }
}
