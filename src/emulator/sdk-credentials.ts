/**
 * Credentials for an AWS SDK client pointed at the emulator. The emulator checks no signature; these only satisfy
 * the SDK's signer, and are no secret.
 */
export const EMULATOR_SDK_CREDENTIALS = {
  accessKeyId: 'AKIDEMULATOR',
  secretAccessKey: 'emulator-does-not-check-signatures',
} as const;
