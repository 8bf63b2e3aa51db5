/**
 * The server's view of the `prunelens` settings, pulled from the client
 * (workspace/configuration) at start and whenever the client says they changed. Values
 * of the wrong type fall back to the defaults rather than reaching a worker.
 */
import type { Connection } from 'vscode-languageserver';
import { DEFAULT_SERVER_SETTINGS, type ServerSettings } from '../shared/protocol';
import { isOneOf, PROVIDERS } from '../shared/vocabulary';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `raw` (whatever the client sent for the section) as checked settings. */
export function checkSettings(raw: unknown): ServerSettings {
  const d = DEFAULT_SERVER_SETTINGS;
  if (!isObject(raw)) return d;
  const evaluation = isObject(raw['evaluation']) ? raw['evaluation'] : {};
  const hover = isObject(raw['hover']) ? raw['hover'] : {};
  const threshold = raw['lossThreshold'];
  const providers = evaluation['providers'];
  return {
    lossThreshold: typeof threshold === 'number' && Number.isFinite(threshold) ? threshold : d.lossThreshold,
    evaluation: { providers: Array.isArray(providers) && providers.length > 0 && providers.every((p) => isOneOf(PROVIDERS, p)) ? providers : d.evaluation.providers },
    tfjsNodePath: typeof raw['tfjsNodePath'] === 'string' ? raw['tfjsNodePath'] : d.tfjsNodePath,
    hover: { quotedNames: typeof hover['quotedNames'] === 'boolean' ? hover['quotedNames'] : d.hover.quotedNames },
  };
}

export class SettingsStore {
  private value: ServerSettings = DEFAULT_SERVER_SETTINGS;

  constructor(
    private readonly connection: Connection,
    private readonly canPull: () => boolean,
  ) {}

  get current(): ServerSettings {
    return this.value;
  }

  /** Pulls the section again; `pushed` is what a didChangeConfiguration carried, used when pulling is not supported. */
  async refresh(pushed?: unknown): Promise<void> {
    if (this.canPull()) {
      this.value = checkSettings(await this.connection.workspace.getConfiguration('prunelens').catch(() => undefined));
    } else if (isObject(pushed)) {
      this.value = checkSettings(pushed['prunelens']);
    }
  }
}
