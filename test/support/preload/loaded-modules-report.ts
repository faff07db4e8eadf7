import { writeFileSync } from 'node:fs';

/**
 * Preloaded (`node --require`) into a service process by a test: when the process exits, writes the files of every
 * module it loaded, one per line, to the file named by LOADED_MODULES_REPORT.
 */
const reportFile = process.env['LOADED_MODULES_REPORT'];
if (reportFile !== undefined) {
  process.on('exit', () => writeFileSync(reportFile, Object.keys(require.cache).join('\n')));
}
