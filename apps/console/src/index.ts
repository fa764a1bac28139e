export { build, type ConsoleDeps } from './build.js';
