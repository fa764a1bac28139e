// Types of server-args.mjs for the TypeScript tests that start these servers (test/chaos).
export declare const FERRETDB_VERSION: string;
export declare const CACHE_DIR: string;
export declare const FERRETDB_BIN: string;
export declare function durableRedisArgs(port: number, dir: string): string[];
export declare function ferretDbArgs(backend: readonly string[], stateDir: string, port: number, debugAddr: string): string[];
export declare function sqliteBackend(dataDir: string): string[];
