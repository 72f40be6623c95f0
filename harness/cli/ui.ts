// `cors-lab ui`: the local web app (ui/server.ts), until Ctrl-C.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { startUi } from '../ui/server.ts';
import { stopsOnSignal } from '../engines/cleanup.ts';
import {
  addRemoteOptions,
  EXIT,
  parseTimeout,
  remoteEnginesOf,
  type RemoteFlags,
  printFitted,
  warnFitted,
} from './common.ts';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('a port number from 0 (any free port) to 65535');
  return port;
}

export function addUiCommand(program: Command, exitCode: { value: number }): void {
  addRemoteOptions(program.command('ui'))
    .description(
      "a local web page where a form takes what check takes and shows each engine's answer as it comes; on 127.0.0.1 only, behind a token in the URL it prints",
    )
    .addOption(new Option('--port <n>', 'the port to listen on').argParser(parsePort).default(0, 'any free port'))
    .option('--timeout <ms>', 'per-probe timeout, in ms or with an "s" suffix', parseTimeout, 10_000)
    .action(async (flags: RemoteFlags & { port: number; timeout: number }) => {
      const remote = remoteEnginesOf(flags);
      if (!remote) {
        exitCode.value = EXIT.badInput;
        return;
      }
      let ui;
      try {
        ui = await startUi({ port: flags.port, timeoutMs: flags.timeout, remote });
      } catch (error) {
        warnFitted(
          `cors-lab ui: cannot listen on 127.0.0.1:${flags.port}: ${(error as Error).message}. Fix: another --port, or --port 0 for any free one\n`,
        );
        exitCode.value = EXIT.badInput;
        return;
      }
      // The URL on a line of its own, never wrapped, so it can be copied whole.
      process.stdout.write(`cors-lab ui: open ${ui.url}\n`);
      printFitted(
        `(whoever has this URL can make this machine's browsers fetch any URL: keep it to yourself; Ctrl-C stops the UI)\n`,
      );
      // Ctrl-C is how the UI ends: exit 0, also once runs have left browsers warm (cleanup.ts closes them).
      stopsOnSignal();
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await ui.close();
      exitCode.value = EXIT.ok;
    });
}
