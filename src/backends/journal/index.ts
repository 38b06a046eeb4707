export type { JournaledDatabase, JournalOptions } from './journaled-database.js';
export { deleteJournaled, openJournaledDatabase } from './journaled-database.js';
export { copyJournalAside, DAMAGED_DIR, readDamagedJournal, replaceJournal } from './salvage.js';
