/** Entry point of `aicli-api`: wires the program to the real process (argv, env, stdout, signals). */
import { CommanderError } from 'commander';
import { buildProgram, CONFIG_EXIT } from './program.js';
import { EXIT_CODES } from './exit-codes.js';

const signalHandlers: ((signal: string) => void)[] = [];
let signalsSeen = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    signalHandlers[signalsSeen]?.(signal);
    signalsSeen++;
    if (signalsSeen >= 2) process.exit(EXIT_CODES.failure);
  });
}

const program = buildProgram({
  env: process.env,
  onSignal: (handler) => signalHandlers.push(handler),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  setExitCode: (code) => {
    process.exitCode = code;
  },
});

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  // --help and --version end with code 0; usage mistakes were already printed by commander; an invalid
  // configuration was printed by the command and carries its own code.
  process.exitCode = error.code === CONFIG_EXIT ? error.exitCode : error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
}
// The server closed every socket; exit now rather than wait on handles owned by native modules.
process.exit();
