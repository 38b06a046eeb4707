// Puts the library on window for Playwright's page.evaluate, exactly as an app would import it.
import * as threadkeep from '../../../src/index.js';

(globalThis as unknown as { tk: typeof threadkeep }).tk = threadkeep;
document.getElementById('status')!.textContent = 'ready';
