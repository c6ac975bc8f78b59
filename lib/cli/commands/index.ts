import type { CliCommand } from '../cli-command.interface';
import { claimCommand } from './claim.command';
import { deprovisionCommand } from './deprovision.command';
import { initCommand } from './init.command';
import { activateCommand, suspendCommand } from './lifecycle.command';
import { migrateSharedCommand } from './migrate-shared.command';
import { migrateCommand } from './migrate.command';
import { provisionCommand } from './provision.command';
import { resolveCommand } from './resolve.command';
import { rotateSecretsCommand } from './rotate-secrets.command';
import { statusCommand } from './status.command';

/** Every command, in the order the help lists them. */
export const CLI_COMMANDS: readonly CliCommand[] = [
  provisionCommand,
  migrateCommand,
  migrateSharedCommand,
  statusCommand,
  suspendCommand,
  activateCommand,
  deprovisionCommand,
  claimCommand,
  resolveCommand,
  rotateSecretsCommand,
  initCommand,
];
