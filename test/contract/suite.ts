/** The whole API contract, written once; each runner calls this with its backends. */
import { artifactsContract } from './artifacts.contract.js';
import { eventsContract } from './events.contract.js';
import { searchContract } from './search.contract.js';
import { sessionsContract } from './sessions.contract.js';
import { storeContract } from './store.contract.js';
import type { ContractTarget } from './target.js';

export function contractSuite(target: ContractTarget): void {
  sessionsContract(target);
  eventsContract(target);
  searchContract(target);
  artifactsContract(target);
  storeContract(target);
}

export type { ContractTarget } from './target.js';
