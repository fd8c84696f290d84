/**
 * Validates a merged configuration document against {@link ConfigSchema} with ajv and turns ajv's errors into
 * sentences that name the key and say what was expected.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { ConfigSchema, RANGE_KEYWORDS } from './schema.js';
import { DURATION_HINT, SIZE_HINT, formatByteSize, formatDuration, parseByteSize, parseDuration } from './units.js';
import { parseJsonPointer, type KeyPath } from './paths.js';

/** A validation problem before attribution to a source. */
export interface SchemaIssue {
  readonly path: KeyPath;
  readonly message: string;
  /** The key whose source is blamed, when it differs from `path` (a rule triggered by another key). */
  readonly blame?: KeyPath;
}

const UNITS = {
  duration: { parse: parseDuration, format: formatDuration, hint: DURATION_HINT },
  'byte-size': { parse: parseByteSize, format: formatByteSize, hint: SIZE_HINT },
} as const;
type UnitFormat = keyof typeof UNITS;

function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
  for (const [name, unit] of Object.entries(UNITS)) {
    ajv.addFormat(name, { type: 'string', validate: (text: string) => unit.parse(text).isOk() });
  }
  for (const keyword of Object.values(RANGE_KEYWORDS)) {
    ajv.addKeyword({
      keyword,
      type: 'string',
      schemaType: 'number',
      validate: (bound: number, data: string, parentSchema?: object) => {
        const unit = UNITS[(parentSchema as { format?: UnitFormat } | undefined)?.format ?? 'duration'];
        const value = unit.parse(data);
        // Unparseable text is reported by the format check; the range check only judges parsed values.
        if (value.isErr()) return true;
        return keyword === RANGE_KEYWORDS.minimumValue ? value.value >= bound : value.value <= bound;
      },
    });
  }
  return ajv;
}

const validateSchema = createAjv().compile(ConfigSchema);

/** Checks a merged document; returns the issues found, empty when the document is valid. */
export function validateConfigDocument(document: unknown): SchemaIssue[] {
  if (validateSchema(document)) return [];
  return dedupe((validateSchema.errors ?? []).map(describeError));
}

// A value can fail several keywords at one path (a number given for an enum fails "type" and "enum"):
// keep the first message per path, which names the most basic problem.
function dedupe(issues: SchemaIssue[]): SchemaIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = issue.path.join('\u0000');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function describeError(error: ErrorObject): SchemaIssue {
  const path = parseJsonPointer(error.instancePath);
  const schema = (error.parentSchema ?? {}) as Record<string, unknown>;
  const got = describeValue(error.data);
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys((schema.properties ?? {}) as object);
      return { path: [...path, key], message: unknownKeyMessage(key, known) };
    }
    case 'required': {
      const key = String((error.params as { missingProperty: string }).missingProperty);
      return { path: [...path, key], message: 'missing required key' };
    }
    case 'type':
    case 'minimum':
    case 'maximum':
      return { path, message: `expected ${describeType(schema)}, got ${got}` };
    case 'enum':
      return { path, message: `expected one of ${(schema.enum as string[]).join(', ')}, got ${got}` };
    case 'format': {
      const format = schema.format as UnitFormat;
      return { path, message: `expected ${UNITS[format]?.hint ?? format}, got ${got}` };
    }
    case RANGE_KEYWORDS.minimumValue:
    case RANGE_KEYWORDS.maximumValue: {
      const unit = UNITS[(schema.format as UnitFormat) ?? 'duration'];
      const min = schema[RANGE_KEYWORDS.minimumValue] as number | undefined;
      const max = schema[RANGE_KEYWORDS.maximumValue] as number | undefined;
      const bounds =
        min !== undefined && max !== undefined
          ? `from ${unit.format(min)} to ${unit.format(max)}`
          : min !== undefined
            ? `of at least ${unit.format(min)}`
            : `of at most ${unit.format(max ?? 0)}`;
      return { path, message: `expected a value ${bounds}, got ${got}` };
    }
    case 'minLength':
      return { path, message: schema.minLength === 1 ? 'expected a non-empty string' : `expected at least ${String(schema.minLength)} characters` };
    case 'pattern':
      return { path, message: `expected text matching ${String(schema.pattern)}, got ${got}` };
    default:
      return { path, message: `${error.message ?? 'invalid value'}, got ${got}` };
  }
}

function describeType(schema: Record<string, unknown>): string {
  const { type, minimum, maximum } = schema as { type?: string; minimum?: number; maximum?: number };
  const noun =
    type === 'integer' ? 'an integer' : type === 'number' ? 'a number' : type === 'boolean' ? 'true or false'
    : type === 'array' ? 'a list' : type === 'object' ? 'a mapping' : schema.format ? UNITS[schema.format as UnitFormat].hint : 'a string';
  if (minimum !== undefined && maximum !== undefined) return `${noun} from ${minimum} to ${maximum}`;
  if (minimum !== undefined) return `${noun} >= ${minimum}`;
  if (maximum !== undefined) return `${noun} <= ${maximum}`;
  return noun;
}

/** Shows a value the way a user would have typed it: strings quoted, lists and mappings named. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (null)';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

function unknownKeyMessage(key: string, known: string[]): string {
  const suggestion = known
    .map((candidate) => ({ candidate, distance: editDistance(key, candidate) }))
    .filter(({ distance, candidate }) => distance <= Math.max(2, Math.floor(candidate.length / 3)))
    .sort((a, b) => a.distance - b.distance)[0];
  return suggestion
    ? `unknown key (did you mean ${suggestion.candidate}?)`
    : `unknown key; expected one of ${known.join(', ')}`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
