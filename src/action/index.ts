// The Action's entry point, bundled by ncc into dist/index.js (action.yml runs it): it only starts the
// Action's face, src/action/main.ts.
import { run } from './main.js';

void run();
