import type { PlaintextEncryptionReport, SecretRotationReport } from '../../registry/secret-rotation';
import { EXIT_FAILED, EXIT_OK } from '../cli.constants';
import type { CliCommand } from '../cli-command.interface';
import type { CliContext } from '../cli-context';
import { howToSet, settingSpec } from '../cli-settings.definition';
import { CliSettingsError } from '../cli-settings.error';
import { CliUsageError } from '../cli-usage.error';

/** `rotate-secrets [--encrypt-plaintext <ids>] [--json]`: re-encrypts stored URLs with the newest key, reporting what it skipped. */
export const rotateSecretsCommand: CliCommand = {
  name: 'rotate-secrets',
  summary: 'Re-encrypt stored database URLs with the newest key; list the plaintext and undecryptable ones it skips',
  usage: ['[--encrypt-plaintext <id,...>] [--json]'],
  description:
    'Re-encrypts with the first of the encryption keys every stored database URL that decrypts for its tenant. ' +
    'URLs still in plaintext, or that do not decrypt (unknown key, altered, copied from another tenant), are left ' +
    'as they are and listed: anyone able to write the registry table could have put them there, so rotation never ' +
    'encrypts them. To move URLs you know from plaintext to encrypted, name their tenants with --encrypt-plaintext. ' +
    'Exits 1 when anything was skipped. URLs are never shown.',
  positionals: { min: 0, max: 0 },
  options: {
    'encrypt-plaintext': {
      type: 'string',
      valueName: 'IDS',
      description: 'Comma-separated tenant ids whose plaintext URLs to encrypt first (URLs you know to be yours)',
    },
  },
  settings: ['registryUrl', 'registrySchema', 'encryptionKeys'],
  async run(context, { values }) {
    const ids = idsOf(values['encrypt-plaintext']);
    if (!context.settings.encryptionKeys.length) {
      throw new CliSettingsError(
        `rotate-secrets needs the encryption keys: set ${howToSet(settingSpec('encryptionKeys')!)}`,
      );
    }
    const store = context.registry();
    const encrypted = ids ? await store.encryptPlaintextUrls(ids) : undefined;
    const report = await store.rotateSecrets();
    const skipped = report.plaintext.length + report.undecryptable.length + report.changedMeanwhile.length;
    if (context.output.jsonMode)
      context.output.document({ ...report, ...(encrypted && { encryptPlaintext: encrypted }) });
    else printReport(context, report, encrypted);
    return skipped ? EXIT_FAILED : EXIT_OK;
  },
};

function idsOf(value: string | boolean | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const ids = String(value)
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  if (!ids.length) throw new CliUsageError('--encrypt-plaintext needs at least one tenant id', 'rotate-secrets');
  return ids;
}

function printReport(
  context: CliContext,
  report: SecretRotationReport,
  encrypted: PlaintextEncryptionReport | undefined,
): void {
  const out = (text: string) => context.output.out(text);
  const err = (text: string) => context.output.err(text);
  if (encrypted) {
    out(`encrypted ${encrypted.encrypted.length} plaintext URL(s)${list(encrypted.encrypted)}`);
    if (encrypted.alreadyEncrypted.length)
      out(`already encrypted, left alone: ${encrypted.alreadyEncrypted.join(', ')}`);
    if (encrypted.withoutUrl.length) out(`no database URL: ${encrypted.withoutUrl.join(', ')}`);
    if (encrypted.notFound.length) err(`no such tenant: ${encrypted.notFound.join(', ')}`);
    if (encrypted.changedMeanwhile.length)
      err(`changed meanwhile, not encrypted (run again): ${encrypted.changedMeanwhile.join(', ')}`);
  }
  out(`rotated ${report.rotated.length} URL(s) to the newest key, ${report.current.length} already on it`);
  if (report.plaintext.length) {
    err(`skipped ${report.plaintext.length} plaintext URL(s), left as they are: ${report.plaintext.join(', ')}`);
    err('  if they are yours, encrypt them with: rotate-secrets --encrypt-plaintext <ids>');
  }
  if (report.undecryptable.length) {
    const entries = report.undecryptable.map(({ id, reason }) => `${id} (${reason})`);
    err(`skipped ${report.undecryptable.length} URL(s) that do not decrypt, left as they are: ${entries.join(', ')}`);
  }
  if (report.changedMeanwhile.length)
    err(`changed meanwhile, not rotated (run again): ${report.changedMeanwhile.join(', ')}`);
}

function list(ids: string[]): string {
  return ids.length ? `: ${ids.join(', ')}` : '';
}
