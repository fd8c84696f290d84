/** Process exit codes of `aicli-api`, documented in docs/configuration.md. 78 is sysexits' EX_CONFIG. */
export const EXIT_CODES = {
  ok: 0,
  failure: 1,
  usage: 2,
  config: 78,
} as const;
