/** The PruneLens version, recorded in the files the tool writes. */
import packageJson from '../../package.json';

export const PRUNELENS_VERSION: string = packageJson.version;
