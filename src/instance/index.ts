/** Exclusive locks that keep one server per data directory and per store file. */
export { acquireInstanceLock, describeInstanceLockError, type AcquireOptions, type InstanceLock, type InstanceLockError } from './instance-lock.js';
export { writePrivateFileAtomically } from './private-file.js';
