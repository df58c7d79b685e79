// The configuration file's text, read as a regular file within a size cap: a configuration that
// names a FIFO or a device (or is one) is refused at once instead of hanging or filling memory.
import { mebibytes, readRegularFile, RefusedFile } from '../process/regularFile.js';
import { ConfigError, readFailureText } from './configError.js';

/**
 * The largest configuration read. A configuration with a thousand exemptions and targets is
 * under 200 KiB; 1 MiB of the densest YAML still parses in about a second.
 */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export function readConfigText(absolute: string, shown: string): string {
  try {
    return readRegularFile(absolute, MAX_CONFIG_BYTES).toString('utf8');
  } catch (error) {
    if (!(error instanceof RefusedFile)) throw error;
    if (error.problem === 'open') throw new ConfigError(shown, null, `cannot read the configuration file: ${readFailureText(error)}`);
    if (error.problem === 'size') throw new ConfigError(shown, null, `the configuration file is larger than ${mebibytes(MAX_CONFIG_BYTES)}, far more than any configuration needs; not read`);
    throw new ConfigError(shown, null, `cannot read the configuration file: ${error.message}`);
  }
}
