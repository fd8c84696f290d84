/**
 * Configuration errors as data. Every issue names where the bad value came from (a file, an environment
 * variable or a flag) and the key path, so an operator can fix it without reading our source.
 */

/** One problem with one key. `source` is a file path, `environment variable X` or a flag such as `--port`. */
export interface ConfigIssue {
  readonly source: string;
  /** Dotted key path such as `session_pool.min_size` or `auth.api_keys[0].role`; empty for the whole document. */
  readonly path: string;
  readonly message: string;
}

export type ConfigError =
  | { readonly kind: 'ConfigFileUnreadable'; readonly file: string; readonly reason: string }
  | { readonly kind: 'ConfigFileInvalidYaml'; readonly file: string; readonly line: number; readonly column: number; readonly reason: string }
  | { readonly kind: 'ConfigInvalid'; readonly issues: readonly ConfigIssue[] };

/** Renders one issue as `source: path: message`. */
export function formatConfigIssue(issue: ConfigIssue): string {
  return issue.path === '' ? `${issue.source}: ${issue.message}` : `${issue.source}: ${issue.path}: ${issue.message}`;
}

/** Renders a config error for a terminal, one problem per line. */
export function formatConfigError(error: ConfigError): string {
  switch (error.kind) {
    case 'ConfigFileUnreadable':
      return `${error.file}: cannot read config file: ${error.reason}`;
    case 'ConfigFileInvalidYaml':
      return `${error.file}: line ${error.line}, column ${error.column}: invalid YAML: ${error.reason}`;
    case 'ConfigInvalid':
      return error.issues.map(formatConfigIssue).join('\n');
  }
}
