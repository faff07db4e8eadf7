import { join, resolve } from 'node:path';

/** This file is compiled to dist/bench/process/; everything the benchmark starts is compiled next to it. */
const DIST = resolve(__dirname, '..', '..');

export const SERVICE_MAIN = join(DIST, 'src', 'main.js');
export const EMULATOR_MAIN = join(DIST, 'src', 'emulator', 'main.js');
export const FLOOR_A_SERVER = join(DIST, 'bench', 'children', 'floor-a-server.js');
export const COMPOSED_FLOOR_SERVER = join(DIST, 'bench', 'children', 'composed-floor-server.js');
export const FLOOR_B_CALLER = join(DIST, 'bench', 'children', 'floor-b-caller.js');
/** bench/results/ in the source tree (not dist/), so results survive a rebuild; gitignored. */
export const RESULTS_DIRECTORY = join(DIST, '..', 'bench', 'results');
export const BARE_HEALTH_SERVER = join(DIST, 'bench', 'children', 'bare-health-server.js');
/** The tests' preload that writes every module a process loaded to LOADED_MODULES_REPORT when it exits. */
export const LOADED_MODULES_REPORT_PRELOAD = join(DIST, 'test', 'support', 'preload', 'loaded-modules-report.js');
