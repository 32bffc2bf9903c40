#!/usr/bin/env node
import {main} from './main.js';

const stopped = new Promise<void>(resolve => {
	process.once('SIGINT', () => resolve());
	process.once('SIGTERM', () => resolve());
});
process.exitCode = await main(process.argv.slice(2), {stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, stopped});
