/**
 * `listStreams` for EventStoreDB. Stream names come from the `$streams` system projection (one link per stream,
 * data `0@<name>`); when that projection is not running, from a full scan of `$all`. Each candidate is then
 * checked with a one-event backwards read, which also yields its last revision and skips deleted streams.
 * Cost grows with the number of streams: this is an operator tool, not a hot path.
 */
import { BACKWARDS, END, STREAMS_STREAM, type EventStoreDBClient } from '@eventstore/db-client';
import { err, ok, type Result } from 'neverthrow';
import type { StoreError } from '../errors.js';
import type { StreamSummary } from '../types.js';
import { fromEsdbError, isEsdbStreamAbsent, isEsdbStreamNotFound } from './errors.js';

const linkTarget = (data: unknown): string | undefined => {
  const text = data instanceof Uint8Array ? Buffer.from(data).toString('utf8') : typeof data === 'string' ? data : undefined;
  const at = text?.indexOf('@') ?? -1;
  return text === undefined || at < 0 ? undefined : text.slice(at + 1);
};

async function namesFromProjection(client: EventStoreDBClient): Promise<Set<string> | undefined> {
  const names = new Set<string>();
  try {
    for await (const resolved of client.readStream(STREAMS_STREAM, { resolveLinkTos: false })) {
      const target = linkTarget(resolved.event?.data ?? resolved.link?.data);
      if (target !== undefined) names.add(target);
    }
    return names;
  } catch (cause) {
    if (isEsdbStreamNotFound(cause)) return undefined;
    throw cause;
  }
}

async function namesFromScan(client: EventStoreDBClient): Promise<Set<string>> {
  const names = new Set<string>();
  for await (const resolved of client.readAll()) if (resolved.event !== undefined) names.add(resolved.event.streamId);
  return names;
}

async function lastRevision(client: EventStoreDBClient, stream: string): Promise<bigint | undefined> {
  try {
    for await (const resolved of client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
      return resolved.event?.revision;
    }
    return undefined;
  } catch (cause) {
    if (isEsdbStreamAbsent(cause)) return undefined;
    throw cause;
  }
}

/** Lists user streams starting with `prefix` that currently exist, sorted by name. */
export async function listEsdbStreams(client: EventStoreDBClient, prefix: string): Promise<Result<StreamSummary[], StoreError>> {
  try {
    const names = (await namesFromProjection(client)) ?? (await namesFromScan(client));
    const candidates = [...names].filter((name) => !name.startsWith('$') && name.startsWith(prefix)).sort();
    const out: StreamSummary[] = [];
    for (const stream of candidates) {
      const revision = await lastRevision(client, stream);
      if (revision !== undefined) out.push({ stream, revision });
    }
    return ok(out);
  } catch (cause) {
    return err(fromEsdbError(cause));
  }
}
