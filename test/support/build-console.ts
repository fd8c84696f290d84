/** Vitest global setup: builds the operator console (console/build.mjs) so servers run from source serve it. */
import { buildConsole } from '../../console/build.mjs';

export default async function setup(): Promise<void> {
  await buildConsole();
}
