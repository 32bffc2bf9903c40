#!/usr/bin/env node
import {warningLine} from './failure.js';
import {main} from './main.js';

// Warnings as one line in the CLI's words, not Node's `(node:PID) [CODE] ... (Use node --trace-warnings ...)`.
process.removeAllListeners('warning');
process.on('warning', warning => {
	process.stderr.write(warningLine(warning));
});
const stopped = new Promise<void>(resolve => {
	process.once('SIGINT', () => resolve());
	process.once('SIGTERM', () => resolve());
});
process.exitCode = await main(process.argv.slice(2), {stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, stopped});
