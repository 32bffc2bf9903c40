import type {KeychainOpener} from './sign-ins/sign-in-store.js';

/** What a command reads and writes: the process's streams, or a spec's. */
export type CliIo = {
	stdout: NodeJS.WritableStream;
	stderr: NodeJS.WriteStream;
	stdin: NodeJS.ReadStream;
	env: NodeJS.ProcessEnv;
	/** Resolves when the process is asked to stop (SIGINT / SIGTERM): long-running commands end then. */
	stopped: Promise<void>;
	/** How sign-ins reach the OS keychain. Default: `@napi-rs/keyring` when installed; specs hand in their own. */
	keychain?: KeychainOpener;
};
