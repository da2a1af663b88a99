/**
 * Errors a user can act on. Each names what was wrong and where; the CLI prints the message on one line
 * and exits with code 2, the report keeps `toJSON()`.
 */
export class ModelQuantError extends Error {
  readonly code: string = 'E_MODEL_QUANT';
  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message };
  }
}

/** The model file cannot be read: not the format its name says, truncated, or inconsistent. */
export class ModelFormatError extends ModelQuantError {
  override readonly code = 'E_MODEL_FORMAT';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'ModelFormatError';
  }
}

/** An operator the requested step does not support. */
export class UnsupportedOpError extends ModelQuantError {
  override readonly code = 'E_UNSUPPORTED_OP';
  constructor(
    readonly nodeName: string,
    readonly opType: string,
    readonly supported: readonly string[],
    context = '',
  ) {
    super(
      `node '${nodeName}': operator ${opType} is not supported${context ? ` ${context}` : ''}; supported: ${supported.join(', ')}`,
    );
    this.name = 'UnsupportedOpError';
  }
}

/** A command-line flag or Action input has a value that cannot be used. */
export class InvalidOptionError extends ModelQuantError {
  override readonly code = 'E_INVALID_OPTION';
  constructor(
    readonly flag: string,
    message: string,
  ) {
    super(`--${flag}: ${message}`);
    this.name = 'InvalidOptionError';
  }
}

/** Input data (calibration or evaluation samples) that does not fit the model. */
export class DataError extends ModelQuantError {
  override readonly code = 'E_DATA';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'DataError';
  }
}
