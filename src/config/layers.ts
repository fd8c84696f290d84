/**
 * Merging configuration layers (defaults, file, environment, flags) while remembering which layer set each
 * key, so validation errors can point at the file, variable or flag responsible.
 */
import { formatKeyPath, type KeyPath } from './paths.js';

/** One source of values. `labels` names individual keys' origins (an env var, a flag) when finer than `source`. */
export interface ConfigLayer {
  readonly source: string;
  readonly values: Record<string, unknown>;
  readonly labels?: ReadonlyMap<string, string>;
}

/** The merged document and, for every key path that a layer set, the label of the layer that won. */
export interface MergedLayers {
  readonly values: Record<string, unknown>;
  readonly origins: ReadonlyMap<string, string>;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Deep-merges layers in order (later wins). Arrays and scalars replace; objects merge key by key. */
export function mergeLayers(layers: readonly ConfigLayer[]): MergedLayers {
  const origins = new Map<string, string>();
  let values: Record<string, unknown> = {};
  for (const layer of layers) {
    values = mergeInto(values, layer.values, [], layer, origins);
  }
  return { values, origins };
}

function mergeInto(
  base: Record<string, unknown>,
  override: Record<string, unknown>,
  path: (string | number)[],
  layer: ConfigLayer,
  origins: Map<string, string>,
): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const keyPath = [...path, key];
    const existing = result[key];
    if (isPlainObject(value) && isPlainObject(existing)) {
      result[key] = mergeInto(existing, value, keyPath, layer, origins);
    } else {
      result[key] = value;
      const dotted = formatKeyPath(keyPath);
      origins.set(dotted, layer.labels?.get(dotted) ?? layer.source);
    }
  }
  return result;
}

/** The label of the layer that set `path` or its nearest enclosing key; `fallback` when none did. */
export function originOf(origins: ReadonlyMap<string, string>, path: KeyPath, fallback: string): string {
  for (let length = path.length; length > 0; length--) {
    const label = origins.get(formatKeyPath(path.slice(0, length)));
    if (label !== undefined) return label;
  }
  return fallback;
}
