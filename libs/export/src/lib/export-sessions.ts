import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { readSession, readSessionTurns, type ExportReader, type ExportSession } from './export-input';
import { harLog } from './har/har-log';
import { JsonlWriter } from './jsonl/jsonl-lines';
import { otlpJson } from './otlp/otlp-output';
import { sessionSpans } from './otlp/otlp-spans';

export const EXPORT_FORMATS = ['jsonl', 'otlp', 'har'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The media type of each format's document (OTLP as its JSON encoding). */
export const EXPORT_MEDIA_TYPES: Record<ExportFormat, string> = {
  jsonl: 'application/x-ndjson',
  otlp: 'application/json',
  har: 'application/json',
};

/** The file name extension of each format. */
export const EXPORT_EXTENSIONS: Record<ExportFormat, string> = { jsonl: 'jsonl', otlp: 'otlp.json', har: 'har' };

export interface ExportOptions {
  /** JSONL: add each turn's raw exchange (HAR always has it; OTLP never needs it). */
  bodies?: boolean;
  /** tapes' version, for HAR's `creator`. */
  version: string;
}

/**
 * The sessions in one format, as text pieces to write in order: JSONL line by line (a session is
 * read one turn at a time, so a long one never sits in memory whole), HAR and OTLP/JSON as one
 * document each (they are single JSON documents). The reader's not-found error propagates for an
 * unknown session before anything is yielded for it.
 */
export async function* exportSessions(reader: ExportReader, sessionIds: readonly string[], format: ExportFormat, options: ExportOptions): AsyncGenerator<string> {
  if (format === 'jsonl') {
    const writer = new JsonlWriter({ bodies: options.bodies === true });
    for (const id of sessionIds) {
      const turns = readSessionTurns(reader, id, { bodies: options.bodies === true });
      for (;;) {
        const next = await turns.next();
        if (next.done) break;
        yield writer.line(next.value);
      }
    }
    return;
  }
  const sessions = await readSessions(reader, sessionIds, format === 'har');
  if (format === 'har') yield `${JSON.stringify(await harLog(sessions, { version: options.version }), null, 2)}\n`;
  else yield `${otlpJson(sessionSpans(sessions))}\n`;
}

/** The sessions' spans, for sending to an OTLP endpoint (see sendOtlp). */
export async function exportSpans(reader: ExportReader, sessionIds: readonly string[]): Promise<ReadableSpan[]> {
  return sessionSpans(await readSessions(reader, sessionIds, false));
}

async function readSessions(reader: ExportReader, ids: readonly string[], bodies: boolean): Promise<ExportSession[]> {
  const sessions: ExportSession[] = [];
  for (const id of ids) sessions.push(await readSession(reader, id, { bodies }));
  return sessions;
}
