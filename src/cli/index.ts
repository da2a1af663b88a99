// The CLI's entry point from source (`npm run quant`, the tests): the installed command, bin/model-quant.js,
// runs the compiled face the same way. The face itself is src/cli/main.ts.
import { runCli } from './main.js';

process.exitCode = await runCli(process.argv.slice(2));
