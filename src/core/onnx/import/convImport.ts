import type { TfjsImporter } from '../../layers/onnx/importTypes';
export const importConv: TfjsImporter = () => { throw new Error('todo'); };
export const importConvTranspose: TfjsImporter = () => { throw new Error('todo'); };
