/**
 * `pnpm parley <command>`: the operator's command line (roles and bans of rooms), against the
 * database the server uses. See `runCli` and `pnpm parley --help`.
 */
import { runCli } from './operator-cli.js';

process.exitCode = await runCli(process.argv.slice(2), process.env, {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
});
