import type { TfjsImporter } from '../../layers/onnx/importTypes';
export const importActivation: TfjsImporter = () => { throw new Error('todo'); };
export const importBatchNorm: TfjsImporter = () => { throw new Error('todo'); };
export const importSoftmax: TfjsImporter = () => { throw new Error('todo'); };
