import type { Diagnostic } from '@tapes/llm';
import type { DecodedBody } from '../encoding/decode-body';

/**
 * The one shape of a body whose content encoding could not be (wholly) undone: every site reports
 * it alike, so the same bad bytes store the same diagnostic wherever they were captured.
 */
export function decodeErrorDiagnostic(side: 'request' | 'response', encoding: string | undefined, decoded: Pick<DecodedBody, 'outcome' | 'errorClass' | 'message'>): Diagnostic {
  const what = decoded.outcome === 'salvaged' ? 'salvaged' : (decoded.errorClass ?? 'undecodable');
  return {
    code: 'decode_error',
    detail: `${side} content-encoding ${JSON.stringify(encoding ?? '')}: ${what}: ${decoded.message ?? 'content decoding failed'}`,
    data: { side, outcome: decoded.outcome, ...(decoded.errorClass ? { errorClass: decoded.errorClass } : {}) },
  };
}
