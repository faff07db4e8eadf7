import * as nodeModule from 'node:module';

/**
 * Imported first by main.ts, before any other module loads: V8's compiled code for the service and its dependencies
 * is kept on disk (in NODE_COMPILE_CACHE, or else the system's temporary folder) and reused by the next start of the
 * same files, which then skips most of their compilation. Node's documented module compile cache (Node 22.1 and
 * later): it never throws, a folder it cannot write costs nothing, and on an older Node nothing changes.
 */

interface WithCompileCache {
  readonly enableCompileCache: () => unknown;
}

const hasCompileCache = (loader: object): loader is WithCompileCache =>
  'enableCompileCache' in loader && typeof loader.enableCompileCache === 'function';

if (hasCompileCache(nodeModule)) {
  nodeModule.enableCompileCache();
}
