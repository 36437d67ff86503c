import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

export interface InFlightRequests {
  /** Requests whose connection is still open or whose handler is still running. */
  count(): number;
  /** Resolves once none is left; rejects, saying how many, if some still are after `timeoutMs`. */
  drained(timeoutMs: number): Promise<void>;
}

interface RequestState {
  responseClosed: boolean;
  handlerRunning: boolean;
  counted: boolean;
}

/**
 * Counts what a server is still doing for the requests it took, however each ends. A request is
 * counted from its arrival until its response has closed (sent, or the client gone: every
 * ServerResponse closes) and, if its handler started, that handler has finished (onSend, which
 * Fastify runs for a result and for an error alike, also after the client left).
 *
 * Counting from Fastify's hooks alone leaks: a client that hangs up while an onRequest hook runs
 * (the token lookup) stops the request's lifecycle at preParsing, with no onSend, no onResponse,
 * and its response already closed before a later hook could listen for it. So arrival and closing
 * are taken from the HTTP server itself, synchronously, and the hooks only say when a handler runs.
 * Call this before `app` is ready.
 */
export function trackInFlightRequests(app: FastifyInstance): InFlightRequests {
  let inFlight = 0;
  const states = new WeakMap<IncomingMessage, RequestState>();
  const waiters = new Set<() => void>();
  const settle = (state: RequestState) => {
    state.counted = false;
    inFlight -= 1;
    if (inFlight === 0) for (const wake of waiters) wake();
  };

  app.server.on('request', (request: IncomingMessage, response) => {
    const state: RequestState = { responseClosed: false, handlerRunning: false, counted: true };
    states.set(request, state);
    inFlight += 1;
    response.once('close', () => {
      state.responseClosed = true;
      if (state.counted && !state.handlerRunning) settle(state);
    });
  });
  app.addHook('preHandler', async (request) => {
    const state = states.get(request.raw);
    if (!state) return;
    state.handlerRunning = true;
    // The client left before the handler started: it runs all the same, and is counted again.
    if (!state.counted) {
      state.counted = true;
      inFlight += 1;
    }
  });
  app.addHook('onSend', async (request) => {
    const state = states.get(request.raw);
    if (!state?.handlerRunning) return;
    state.handlerRunning = false;
    if (state.counted && state.responseClosed) settle(state);
  });

  return {
    count: () => inFlight,
    drained(timeoutMs) {
      if (inFlight === 0) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const wake = () => {
          clearTimeout(timer);
          waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`${inFlight} request(s) were still being handled ${timeoutMs / 1000} s after the load ended`));
        }, timeoutMs);
        waiters.add(wake);
      });
    },
  };
}
