export { createTicketsWorker, type TicketsWorkerDeps } from './tickets.worker.js';
