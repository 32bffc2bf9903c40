import assert from 'node:assert/strict';
import {inspect} from 'node:util';
import {setDebugSink} from '../../lib/debug.js';
import {errorViews} from '../helpers/error-views.js';

/** The password every fault case logs in with; it must never be seen again. */
export const CANARY_PASSWORD = 'Canary-Pa55word-7f3e';
/** Every token the fake site issues starts so; none may be seen in any output. */
export const CANARY_TOKEN = 'CanaryTok';

/** Everything a case produced that a user or a log could see. */
export class Evidence {
	readonly errors: unknown[] = [];
	readonly warnings: Error[] = [];
	readonly debug: string[] = [];
	readonly handlers: object[] = [];
	/** Secrets a case learns while it runs (a PKCE verifier the library made): they must not be seen either. */
	readonly secrets: string[] = [];

	/** Records the error of a promise that should fail, and returns it for the case's own checks. */
	async failure(promise: Promise<unknown>): Promise<unknown> {
		try {
			await promise;
		} catch (error: unknown) {
			this.errors.push(error);
			return error;
		}

		assert.fail('expected the request to fail');
	}

	texts(): string[] {
		return [
			...this.errors.flatMap(error => errorViews(error)),
			...this.warnings.flatMap(warning => [warning.message, String(warning.stack)]),
			...this.debug,
			...this.handlers.flatMap(handler => [inspect(handler, {depth: 6, showHidden: true}), JSON.stringify(handler)]),
		];
	}
}

/**
Runs a fault case with the library's debug trace on and warnings captured, then asserts that
neither the canary password nor any canary token appears in anything the case produced.
*/
export async function withEvidence(run: (evidence: Evidence) => Promise<void>): Promise<Evidence> {
	const evidence = new Evidence();
	const onWarning = (warning: Error) => {
		evidence.warnings.push(warning);
	};

	setDebugSink(line => evidence.debug.push(line));
	process.on('warning', onWarning);
	try {
		await run(evidence);
		await new Promise(resolve => setImmediate(resolve));
	} finally {
		setDebugSink(undefined);
		process.off('warning', onWarning);
	}

	assert.ok(evidence.debug.length > 0, 'the debug trace was on and said something');
	for (const text of evidence.texts()) {
		assert.ok(!text.includes(CANARY_PASSWORD), `the password leaked: ${text.slice(0, 300)}`);
		assert.ok(!text.includes(CANARY_TOKEN), `a token leaked: ${text.slice(0, 300)}`);
		for (const secret of evidence.secrets) {
			assert.ok(!text.includes(secret), `a secret of the case leaked: ${text.slice(0, 300)}`);
		}
	}

	return evidence;
}
