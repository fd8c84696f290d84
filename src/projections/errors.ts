/**
 * Expected failures of the projection host, as data: one discriminated union keyed by `kind`, constructors and
 * a one-line message for logs. Store failures are wrapped, never flattened.
 */
import { formatStoreError, type StoreError } from '../store/index.js';

/** Stable `kind` of every {@link ProjectionHostError}. */
export const PROJECTION_HOST_ERROR_KIND = {
  StoreFailed: 'StoreFailed',
  HostClosed: 'HostClosed',
  ProjectionFailed: 'ProjectionFailed',
  ListenerFailed: 'ListenerFailed',
} as const;

/** The store could not be read (head position, or the subscription ended with an error). */
export interface StoreFailed {
  readonly kind: typeof PROJECTION_HOST_ERROR_KIND.StoreFailed;
  readonly error: StoreError;
}

/** The host (or its store) was closed before it caught up, or `start()` was called after `close()`. */
export interface HostClosed {
  readonly kind: typeof PROJECTION_HOST_ERROR_KIND.HostClosed;
}

/** A fold threw on an event (a bug in the fold): that projection kept its state from before the event. */
export interface ProjectionFailed {
  readonly kind: typeof PROJECTION_HOST_ERROR_KIND.ProjectionFailed;
  readonly projection: string;
  readonly stream: string;
  readonly revision: bigint;
  readonly cause: unknown;
}

/** An `onUpdate` listener threw; the others were still told. */
export interface ListenerFailed {
  readonly kind: typeof PROJECTION_HOST_ERROR_KIND.ListenerFailed;
  readonly cause: unknown;
}

/** Every expected failure of the projection host. */
export type ProjectionHostError = StoreFailed | HostClosed | ProjectionFailed | ListenerFailed;

/** Builds a {@link StoreFailed}. */
export const storeFailed = (error: StoreError): ProjectionHostError => ({ kind: PROJECTION_HOST_ERROR_KIND.StoreFailed, error });

/** Builds a {@link HostClosed}. */
export const hostClosed = (): ProjectionHostError => ({ kind: PROJECTION_HOST_ERROR_KIND.HostClosed });

/** One line for logs and terminals. */
export function formatProjectionHostError(error: ProjectionHostError): string {
  switch (error.kind) {
    case PROJECTION_HOST_ERROR_KIND.StoreFailed:
      return `projections: the event store failed: ${formatStoreError(error.error)}`;
    case PROJECTION_HOST_ERROR_KIND.HostClosed:
      return 'projections: the host is closed';
    case PROJECTION_HOST_ERROR_KIND.ProjectionFailed:
      return `projections: ${error.projection} threw on ${error.stream}@${error.revision}: ${String(error.cause)}`;
    case PROJECTION_HOST_ERROR_KIND.ListenerFailed:
      return `projections: an update listener threw: ${String(error.cause)}`;
  }
}
