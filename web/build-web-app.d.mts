// Types for the stack's import of build-web-app.mjs (a plain script, so npm's postinstall runs it without tsx).
export declare const webAppDist: string;
export declare function webAppIsCurrent(): boolean;
export declare function buildWebAppIfStale(options?: { force?: boolean; log?: (line: string) => void }): Promise<boolean>;
