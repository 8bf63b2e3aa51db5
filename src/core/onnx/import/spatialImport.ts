import type { TfjsImporter } from '../../layers/onnx/importTypes';
export const importPad: TfjsImporter = () => { throw new Error('todo'); };
export const importResize: TfjsImporter = () => { throw new Error('todo'); };
