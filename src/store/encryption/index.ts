/** Encryption at rest: the store decorator, the keyring, and their errors. Re-exports only. */
export { encryptAtRest, type EncryptionSettings } from './encrypted-store.js';
export { EMPTY_KEYRING, KEY_BYTES, newKeyEntry, parseKeyring, readOnly, type Keyring, type StoreKey } from './keyring.js';
export { SEALED_FIELD, UNREADABLE_MARK } from './envelope.js';
export { formatKeyringInvalid, formatUnreadableEvent, UNREADABLE_FIELD, type KeyringInvalid, type UnreadableEvent, type UnreadableReason } from './errors.js';
