/**
 * A second WebSocket endpoint over a running test API's pool and store, mounted with `mountHub` directly so a test
 * can wrap the frame handler (to watch sends, or to throw), watch topic publishes and replace dependencies (a clock that fails), and count
 * what the hub reports as internal errors. `afterEach` closes every harness started.
 */
import { afterEach } from 'vitest';
import type { ApiDeps } from '../../src/server/api-deps.js';
import { createHttpServer, type HttpServer } from '../../src/server/http-server.js';
import { handleFrame } from '../../src/server/ws/handlers.js';
import { mountHub, type FrameHandler, type Hub } from '../../src/server/ws/hub.js';
import type { TestApi } from '../support/api-server.js';

/** A hub of its own on a loopback port. */
export interface HubHarness {
  readonly wsUrl: string;
  readonly hub: Hub;
  /** Exceptions the hub counted (`metrics.recordInternalError('ws')`). */
  internalErrors(): number;
}

const started: Array<{ hub: Hub; http: HttpServer }> = [];

afterEach(async () => {
  for (const { hub, http } of started.splice(0)) {
    hub.close();
    await http.close();
  }
});

/** Mounts a hub with `onFrame` (default: the real handlers) over `api`'s dependencies with `deps` replaced. */
export async function startHub(
  api: TestApi,
  options: { readonly onFrame?: FrameHandler; readonly deps?: Partial<ApiDeps>; readonly afterPublish?: () => void } = {},
): Promise<HubHarness> {
  const deps: ApiDeps = { ...api.deps, ...options.deps };
  const http = createHttpServer(deps.config, [], deps.logger);
  const afterPublish = options.afterPublish;
  if (afterPublish !== undefined) {
    // Topic fan-out bypasses `send`: a test watching what was queued needs to look after each publish too.
    const publish = http.app.publish.bind(http.app);
    http.app.publish = (...args: Parameters<typeof publish>) => {
      const published = publish(...args);
      afterPublish();
      return published;
    };
  }
  let internalErrors = 0;
  const hub = mountHub(http.app, deps, options.onFrame ?? handleFrame, { recordInternalError: () => void internalErrors++ });
  started.push({ hub, http });
  const address = (await http.listen())._unsafeUnwrap();
  return { wsUrl: address.url.replace(/^http/, 'ws'), hub, internalErrors: () => internalErrors };
}
