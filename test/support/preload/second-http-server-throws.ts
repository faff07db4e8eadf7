// eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself, whose createServer the service calls.
import http = require('node:http');

/**
 * Preloaded (`node --require`) into a service process by a test, to stand for a defect late in start-up: the first
 * HTTP server the process creates (the embedded emulator's) is made as usual; creating the second (the metrics
 * endpoint's) throws.
 */
let created = 0;
http.createServer = new Proxy(http.createServer, {
  apply: (create, thisArgument, args: unknown[]): unknown => {
    created += 1;
    if (created === 2) {
      throw new Error('a defect the test put in start-up');
    }
    return Reflect.apply(create, thisArgument, args);
  },
});
