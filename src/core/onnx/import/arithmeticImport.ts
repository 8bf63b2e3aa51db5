import type { TfjsImporter } from '../../layers/onnx/importTypes';
export const importArithmetic: TfjsImporter = () => { throw new Error('todo'); };
