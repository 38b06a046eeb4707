/** `threadkeep/node`: the in-process store, plus durable and in-memory `KeyValueStorage`s. */
export { fileStorage } from './backends/file-storage.js';
export { memoryStorage } from './backends/memory-storage.js';
export * from './inprocess/index.js';
