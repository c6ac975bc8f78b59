// Encryption at rest for tenant secrets; re-exported from the package root.
export { TenantSecretCipher } from './tenant-secret.cipher';
export type {
  TenantSecretCipherOptions,
  TenantSecretCryptOptions,
  TenantSecretKey,
  TenantSecretKeyMaterial,
} from './tenant-secret-cipher.interface';
export { TenantSecretConfigError } from './tenant-secret-config.error';
export { TenantSecretDecryptError, type TenantSecretDecryptReason } from './tenant-secret-decrypt.error';
