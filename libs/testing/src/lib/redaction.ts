/**
 * A credential's replacement as libs/capture writes it: `[redacted]`, or `[redacted:<n>]` with the
 * value's length (#13). Tests check that a value was redacted, not how the marker is spelled.
 */
export const REDACTION_MARKER = /^\[redacted(?::\d+)?\]$/;
