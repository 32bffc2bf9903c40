import type {CancelableRequest} from 'got';

/**
The most the handler reads of an answer to one of its own calls (rest/info, generateToken, the
federation exchange): real ones are a few hundred bytes. Counted after decompression, so a small
gzip bomb (0.5 MB that inflates to ~1 GB) is stopped at this size, not at the end of memory.
*/
export const MAX_ANSWER_BYTES = 1024 * 1024;

/** Awaits a got request, cancelling it once its (decompressed) body passes {@link MAX_ANSWER_BYTES}; then `tooLarge()` is thrown. */
export async function readCapped<T>(request: CancelableRequest<T>, tooLarge: () => Error): Promise<T> {
	let exceeded = false;
	void request.on('downloadProgress', ({transferred}) => {
		if (transferred > MAX_ANSWER_BYTES && !exceeded) {
			exceeded = true;
			request.cancel();
		}
	});
	try {
		return await request;
	} catch (error: unknown) {
		throw exceeded ? tooLarge() : error;
	}
}
