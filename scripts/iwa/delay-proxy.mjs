#!/usr/bin/env node
// A loopback TCP proxy that adds latency, for latency runs against the IWA environment (up.sh
// starts it; plain Node, no dependencies).
//
// Listens on 127.0.0.1:$IWA_DELAY_PORT (default 18081). For each accepted connection it opens
// exactly one connection to Apache on 127.0.0.1:$IWA_HTTP_PORT (default 18080): one to one, so
// NTLM's per-connection authentication works through it and Apache's %{remote}p still tells the
// client connections apart. Bytes are forwarded both ways, each chunk $IWA_DELAY_MS milliseconds
// after it arrived (default 5 per direction, about 10 ms a round trip), in order. A half-close
// (FIN) is forwarded after the data before it; an error or reset on one side resets the other.
// Only data is delayed, not the TCP handshake: a new connection costs no extra round trip.
//
// $IWA_DELAY_LOG, when set, names a file that gets one line per connection once both sides are
// open: the client's port, then the port of the proxy's connection to Apache (the %{remote}p of
// that connection's lines in Apache's access log).
import {createWriteStream} from 'node:fs';
import {connect, createServer} from 'node:net';
import {performance} from 'node:perf_hooks';
import {clearTimeout, setTimeout} from 'node:timers';

function integer(name, fallback, min, max) {
	const text = process.env[name] || String(fallback);
	const value = Number(text);
	if (!/^\d+$/.test(text) || value < min || value > max) {
		console.error(`delay-proxy: ${name}=${text} is not an integer from ${min} to ${max}`);
		process.exit(2);
	}

	return value;
}

const host = '127.0.0.1';
const port = integer('IWA_DELAY_PORT', 18081, 1, 65_535);
const upstreamPort = integer('IWA_HTTP_PORT', 18080, 1, 65_535);
const delay = integer('IWA_DELAY_MS', 5, 0, 60_000);
const connections = process.env.IWA_DELAY_LOG ? createWriteStream(process.env.IWA_DELAY_LOG, {flags: 'a'}) : undefined;

/** Closes a socket as abruptly as the error that ended its peer: a reset where Node can send one. */
function reset(socket) {
	if (socket.destroyed) {
		return;
	}

	if (typeof socket.resetAndDestroy === 'function' && !socket.connecting) {
		socket.resetAndDestroy();
	} else {
		socket.destroy();
	}
}

/** Forwards what `from` receives to `to`, each chunk and the final FIN `delay` ms after arrival. */
function forward(from, to) {
	// Chunks (and a FIN as `end`) with the time they are due, oldest first: one delay for all keeps
	// them in arrival order, and one timer per direction suffices.
	const queue = [];
	let timer;
	const flush = () => {
		timer = undefined;
		const now = performance.now();
		while (queue.length > 0 && queue[0].due <= now) {
			const item = queue.shift();
			if (to.destroyed) {
				queue.length = 0;
				return;
			}

			if (item.end) {
				to.end();
			} else if (!to.write(item.chunk) && !from.isPaused()) {
				// The receiver is slow: stop reading until it has taken what it was given.
				from.pause();
				to.once('drain', () => from.resume());
			}
		}

		if (queue.length > 0) {
			timer = setTimeout(flush, Math.max(1, Math.ceil(queue[0].due - performance.now())));
		}
	};

	const push = item => {
		queue.push({...item, due: performance.now() + delay});
		if (delay === 0) {
			flush();
		} else {
			timer ??= setTimeout(flush, delay);
		}
	};

	from.on('data', chunk => push({chunk}));
	from.on('end', () => push({end: true}));
	from.on('error', () => {
		clearTimeout(timer);
		queue.length = 0;
		reset(to);
	});
	// Closed for good (both ways ended, or destroyed): nothing more can reach it, but what it sent
	// before is still delivered; the other side is closed once its own FIN has been forwarded.
	from.on('close', () => {
		if (!from.readableEnded) {
			clearTimeout(timer);
			queue.length = 0;
			reset(to);
		}
	});
}

const server = createServer({allowHalfOpen: true, noDelay: true}, client => {
	const upstream = connect({host, port: upstreamPort, allowHalfOpen: true, noDelay: true});
	upstream.on('connect', () => {
		connections?.write(`${client.remotePort} ${upstream.localPort}\n`);
	});
	forward(client, upstream);
	forward(upstream, client);
});

server.on('error', error => {
	console.error(`delay-proxy: ${error.message}`);
	process.exit(1);
});

server.listen(port, host, () => {
	console.log(`delay-proxy: ${host}:${port} -> ${host}:${upstreamPort}, ${delay} ms each way (pid ${process.pid})`);
});
