/** The site a handler serves: bound by its first request, as in the Python original. */
export type Site = {
	/** Origin of the first request; tokens go to this origin (or its https upgrade) only. */
	readonly origin: URL;
	/** Everything before `/rest`, `/admin`, `/sharing` or `/tokens`, or origin + `/<instance>`. */
	readonly root: string;
};
