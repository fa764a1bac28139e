/** One invalid variable. */
export interface ConfigProblem {
  variable: string;
  message: string;
}

/** Every problem of the environment at once, in one line (code `CONFIG_INVALID`). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';

  constructor(readonly problems: readonly ConfigProblem[]) {
    super(`invalid configuration: ${problems.map((p) => `${p.variable} ${p.message}`).join('; ')}`);
  }
}
