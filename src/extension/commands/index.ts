/**
 * Every command the extension contributes, by id. The titles and the "PruneLens"
 * category are in package.json; each command lives in the file named for its job.
 */
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { analyzeSensitivity, extendRatios } from './analyze';
import { runOnCluster } from './cluster';
import { cancelJob, startJob } from './jobs';
import { mergeResults } from './merge';
import { evaluateModel, trainModel } from './model';
import { pruneModel } from './prune';
import { ratiosByLoss, ratiosForFlops } from './ratios';
import { revealParam, showReport } from './report';

type Command = (ctx: Ctx, arg?: never) => Promise<void> | void;

const COMMANDS: Readonly<Record<string, Command>> = {
  'prunelens.analyzeSensitivity': analyzeSensitivity,
  'prunelens.extendRatios': extendRatios,
  'prunelens.runOnCluster': runOnCluster,
  'prunelens.mergeResults': mergeResults,
  'prunelens.ratiosByLoss': ratiosByLoss,
  'prunelens.ratiosForFlops': ratiosForFlops,
  'prunelens.pruneModel': pruneModel,
  'prunelens.train': trainModel,
  'prunelens.evaluate': evaluateModel,
  'prunelens.showReport': showReport,
  'prunelens.cancelJob': cancelJob,
  'prunelens.revealParam': revealParam,
  'prunelens.startJob': startJob,
  'prunelens.restartServer': (ctx) => ctx.restart(),
  'prunelens.showOutput': (ctx) => ctx.output.show(),
  'prunelens.refreshExplorer': (ctx) => ctx.explorer.refresh(),
};

export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, run]) => vscode.commands.registerCommand(id, (arg?: never) => run(ctx, arg)));
}
