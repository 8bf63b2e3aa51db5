/**
 * The Sensitivity Report panels, one per results file: the webview (webview/, bundled into
 * dist/webview/) shows the file and lets the user move the threshold; this side reads the
 * file through the language server, relays the live points and job progress the server
 * reports, and answers the webview's requests (src/extension/reportRequests.ts). A panel
 * serializer brings the panels back after a window reload, from the file URI the webview
 * keeps in its state.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ReadResultsRequest, type JobInfo, type PointNotification } from '../shared/protocol';
import { REPORT_VIEW_TYPE, isFromWebview, type FromWebview, type ReportJob, type ToWebview } from '../shared/webviewMessages';
import type { Ctx } from './ctx';
import { answerRequest, revealParamIn } from './reportRequests';
import { makeNonce, reportHtml } from './reportPanelHtml';

/** A burst of file changes (one per point during a scan) is read once, this long after the last. */
const RELOAD_DELAY_MS = 300;

function key(file: string): string {
  return path.resolve(file);
}

function jobOf(info: JobInfo | undefined): ReportJob | undefined {
  return info === undefined || info.state !== 'running' ? undefined : { title: info.title, done: info.done, total: info.total };
}

class ReportPanel {
  private reloadTimer: NodeJS.Timeout | undefined;
  private readonly uri: string;

  constructor(
    private readonly ctx: Ctx,
    readonly file: string,
    readonly panel: vscode.WebviewPanel,
  ) {
    this.uri = vscode.Uri.file(file).toString();
    const roots = [vscode.Uri.joinPath(ctx.context.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(ctx.context.extensionUri, 'media')];
    panel.webview.options = { enableScripts: true, localResourceRoots: roots };
    panel.iconPath = vscode.Uri.joinPath(ctx.context.extensionUri, 'media', 'prunelens.svg');
    const asset = (name: string): string => panel.webview.asWebviewUri(vscode.Uri.joinPath(ctx.context.extensionUri, 'dist', 'webview', name)).toString();
    panel.webview.html = reportHtml({ cspSource: panel.webview.cspSource, scriptUri: asset('report.js'), styleUri: asset('report.css'), nonce: makeNonce(), title: path.basename(file) });
    panel.webview.onDidReceiveMessage((m: unknown) => {
      if (isFromWebview(m)) void this.received(m);
    });
  }

  dispose(): void {
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
  }

  post(message: ToWebview): void {
    void this.panel.webview.postMessage(message);
  }

  private async received(message: FromWebview): Promise<void> {
    switch (message.type) {
      case 'ready':
        await this.load();
        this.post({ type: 'job', ...this.currentJob() });
        return;
      case 'reload':
        this.reloadSoon();
        return;
      case 'reveal':
        await revealParamIn(this.ctx, this.uri, message.param);
        return;
      default: {
        const progress = (text: string): void => this.post({ type: 'reply', id: message.id, ok: true, message: text, pending: true });
        const reply = await answerRequest(this.ctx, this.file, this.uri, message, progress).catch((err: Error) => ({ ok: false, message: err.message }));
        this.post({ type: 'reply', id: message.id, ...reply });
      }
    }
  }

  private currentJob(): { job?: ReportJob } {
    const job = jobOf(this.ctx.jobs.runningFor(this.file));
    return job === undefined ? {} : { job };
  }

  /** Reads the file through the server and sends it; a failure is shown in the page, which keeps what it had. */
  async load(): Promise<void> {
    const base = { type: 'load' as const, uri: this.uri, name: path.basename(this.file), defaultLoss: this.ctx.config.lossThreshold };
    const client = this.ctx.client;
    if (client === undefined) {
      this.post({ ...base, error: 'The PruneLens server is not running yet.' });
      return;
    }
    try {
      const { results, error } = await client.sendRequest(ReadResultsRequest, { uri: this.uri });
      this.post({ ...base, ...(results !== undefined ? { results } : {}), ...(error !== undefined ? { error } : {}) });
    } catch (err) {
      this.post({ ...base, error: (err as Error).message });
    }
  }

  reloadSoon(): void {
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = undefined;
      void this.load();
    }, RELOAD_DELAY_MS);
  }

  jobChanged(info: JobInfo): void {
    this.post({ type: 'job', ...(jobOf(info) !== undefined ? { job: jobOf(info) } : {}) });
  }
}

export class ReportPanels implements vscode.Disposable {
  private readonly panels = new Map<string, ReportPanel>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly ctx: Ctx) {
    this.subscriptions.push(
      vscode.window.registerWebviewPanelSerializer(REPORT_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: unknown) => this.restore(panel, state),
      }),
      ctx.jobs.onDidChange((info) => {
        if (info.file !== undefined) this.panels.get(key(info.file))?.jobChanged(info);
      }),
    );
  }

  dispose(): void {
    for (const p of this.panels.values()) p.panel.dispose();
    for (const s of this.subscriptions) s.dispose();
  }

  /** Shows the report of `file`: its panel if one is open, a new one beside the editor otherwise. */
  show(file: string): void {
    const open = this.panels.get(key(file));
    if (open !== undefined) {
      open.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(REPORT_VIEW_TYPE, `Sensitivity: ${path.basename(file)}`, vscode.ViewColumn.Beside, { enableScripts: true });
    this.adopt(file, panel);
  }

  /** A panel VS Code restores after a reload: the webview's saved state names its file. */
  private restore(panel: vscode.WebviewPanel, state: unknown): void {
    const uri = (state as { uri?: unknown } | undefined)?.uri;
    if (typeof uri !== 'string' || !uri.startsWith('file:')) {
      panel.dispose();
      return;
    }
    this.adopt(vscode.Uri.parse(uri).fsPath, panel);
  }

  private adopt(file: string, panel: vscode.WebviewPanel): void {
    const report = new ReportPanel(this.ctx, file, panel);
    this.panels.set(key(file), report);
    panel.onDidDispose(() => {
      report.dispose();
      if (this.panels.get(key(file)) === report) this.panels.delete(key(file));
    });
  }

  /** A point was written: the open report of its file fills the cell at once. */
  point(p: PointNotification): void {
    this.panels.get(key(vscode.Uri.parse(p.uri).fsPath))?.post({ type: 'point', group: p.group, params: p.params, ratio: p.ratio, point: p.point });
  }

  /** A results file changed on disk (a job, the CLI, an edit): its report reads it again shortly. */
  resultsChanged(uri: string): void {
    this.panels.get(key(vscode.Uri.parse(uri).fsPath))?.reloadSoon();
  }

  /** The server (re)started or a setting changed: every report reads its file again. */
  reloadAll(): void {
    for (const p of this.panels.values()) void p.load();
  }
}
