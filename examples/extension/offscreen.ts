// The offscreen document the service worker creates: it holds the extension's stores (SQLite in a
// dedicated worker over OPFS), which a service worker cannot. In your extension: from 'threadkeep/extension'.
import { hostStores } from '../../src/extension/index.js';

hostStores();
