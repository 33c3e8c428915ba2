/** Where oneroof is installed: a base module, so that any layer can find the shipped files. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder that holds package.json, bin/, inventory/, sql/ (this file is src/ or dist/). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
