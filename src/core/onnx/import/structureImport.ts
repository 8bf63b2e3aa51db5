import type { TfjsImporter } from '../../layers/onnx/importTypes';
export const importConcat: TfjsImporter = () => { throw new Error('todo'); };
export const importFlatten: TfjsImporter = () => { throw new Error('todo'); };
export const importTranspose: TfjsImporter = () => { throw new Error('todo'); };
export const importReshape: TfjsImporter = () => { throw new Error('todo'); };
export const importSqueeze: TfjsImporter = () => { throw new Error('todo'); };
