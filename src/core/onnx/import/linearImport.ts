import type { TfjsImporter } from '../../layers/onnx/importTypes';
export const importGemm: TfjsImporter = () => { throw new Error('todo'); };
export const importMatMul: TfjsImporter = () => { throw new Error('todo'); };
