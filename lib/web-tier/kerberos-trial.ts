import {gate, type Gate} from './gate.js';

/**
The site's first Kerberos attempt runs alone, and requests that arrive meanwhile wait for its
outcome: when the KDC does not know the SPN (a site reached by IP address or an alias), one
failure tells them all, instead of each paying its own round trip to the KDC. After a success each
request makes its own token (an authenticator is single-use). A failure is not kept: a later
request (after kinit, say) tries again.
*/
export class KerberosTrial {
	#running: Gate | undefined;
	#works = false;

	/**
	The first attempt that is running, to wait for (it rejects with its failure); undefined when
	there is none — synchronously, so that a request that finds none begins its attempt before
	anything else runs.
	*/
	running(): Promise<void> | undefined {
		return this.#running && !this.#works ? this.#running.promise : undefined;
	}

	/**
	Starts an attempt: the site's first one while Kerberos has not worked yet. Made before the
	attempt's first await, so that exactly one request runs the trial. The returned function ends it
	— after the caller has recorded what the failure means (a fallback), so that the waiters read it.
	*/
	begin(): (failure?: unknown) => void {
		const trial = this.#works ? undefined : gate();
		if (trial) {
			this.#running = trial;
		}

		return failure => {
			if (failure === undefined) {
				this.#works = true;
			}

			if (trial && this.#running === trial) {
				this.#running = undefined;
				if (failure === undefined) {
					trial.resolve();
				} else {
					trial.reject(failure);
				}
			}
		};
	}

	reset(): void {
		this.#running = undefined;
		this.#works = false;
	}
}
