/** The data directory cannot be used (exit code 3 per terminal-cli.md). */
export class DataDirError extends Error {
  constructor(
    message: string,
    readonly reason: 'locked' | 'not-writable' | 'corrupt' | 'too-new' | 'sealing-key',
  ) {
    super(message);
    this.name = 'DataDirError';
  }
}
