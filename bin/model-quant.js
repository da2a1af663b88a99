#!/usr/bin/env node
// The installed command: runs the compiled CLI (lib/ is built by `npm run build`, which `npm ci` runs
// through the `prepare` script).
import { runCli } from '../lib/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
