/** What a command reads and writes: the process's streams, or a spec's. */
export type CliIo = {
	stdout: NodeJS.WritableStream;
	stderr: NodeJS.WriteStream;
	stdin: NodeJS.ReadStream;
	env: NodeJS.ProcessEnv;
	/** Resolves when the process is asked to stop (SIGINT / SIGTERM): long-running commands end then. */
	stopped: Promise<void>;
};
