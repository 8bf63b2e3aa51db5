import type { TfjsImporter } from '../../layers/onnx/importTypes';
export const importGlobalPool: TfjsImporter = () => { throw new Error('todo'); };
export const importPool: TfjsImporter = () => { throw new Error('todo'); };
export const importReduceMean: TfjsImporter = () => { throw new Error('todo'); };
