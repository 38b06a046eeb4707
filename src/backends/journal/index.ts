export type { JournaledDatabase, JournalOptions } from './journaled-database.js';
export { deleteJournaled, openJournaledDatabase } from './journaled-database.js';
