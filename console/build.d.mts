/** Types of console/build.mjs. */
export declare const DEFAULT_OUT_DIR: string;
/** Builds the console into `outDir` (default dist/console); resolves with the names of the files written. */
export declare function buildConsole(outDir?: string): Promise<string[]>;
