export { ALL_COMPONENTS, createTicketsWorker, type TicketsWorkerDeps } from './tickets.worker.js';
