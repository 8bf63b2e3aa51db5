/**
 * Structural channel pruning: the dependency graph (which channels are coupled), the
 * importance criteria, planning, physical pruning, masking, FLOPs before and after, and
 * writing a pruned model with its plan. See docs/pruning.md.
 */
export type {
  ChannelChange,
  ChannelGroup,
  Criterion,
  DependencyGraph,
  GroupMember,
  LayerChannels,
  MaskSpec,
  MemberRole,
  PlannedGroup,
  PlanOptions,
  PrunePlan,
  WeightReader,
} from './types';
export { CRITERIA } from './types';
export type { MaskPoint, ParamAxis } from './graphInternals';
export { buildDependencyGraph } from './dependencyGraph';
export { groupImportance, kernelScores, weightReaderOf } from './importance';
export { checkRatio, planPruning, prunedChannelCount } from './plan';
export { pruneModel } from './pruneModel';
export { maskModel } from './maskModel';
export { compareFlops, compareSummaries, formatFlopsComparison, reduction, type FlopsComparison, type FlopsTotals, type LayerFlops } from './flops';
export { PLAN_FILE_NAME, PLAN_FORMAT, PLAN_VERSION, type PrunedModelInfo, type PruningPlanFile } from './planFile';
export { checkOutputFolder, writePrunedFolder, writePrunedModel, type WrittenPrunedModel } from './writePruned';
export { ratiosFromJson, readRatiosFile } from './ratiosFile';
