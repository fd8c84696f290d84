/** The log lines of the projection checkpoints: what a start restored or refused (with why), and each write. */
import type { Logger } from 'pino';
import type { CheckpointNote } from '../projections/index.js';
import { formatStoreError } from '../store/index.js';

/** Logs one checkpoint note: refusals and failed writes as warnings, the rest as info (writes at debug). */
export function logCheckpoint(logger: Logger, note: CheckpointNote): void {
  switch (note.kind) {
    case 'restored':
      logger.info({ projection: note.projection, position: Number(note.position) }, `projections: ${note.projection} restored from its checkpoint at position ${note.position}`);
      return;
    case 'refused':
      logger.warn(
        { projection: note.projection, reason: note.refusal.reason, detail: note.refusal.detail },
        `projections: ${note.projection} checkpoint refused (${note.refusal.reason}: ${note.refusal.detail}); folding it from position 0`,
      );
      return;
    case 'written':
      logger.debug({ position: Number(note.position), bytes: note.bytes, encode_ms: Math.round(note.encodeMs) }, 'projections: checkpoints written');
      return;
    case 'writeFailed':
      logger.warn({ position: Number(note.position) }, `projections: could not write the checkpoints: ${formatStoreError(note.error)}`);
      return;
  }
}
