import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { EXPORT_EXTENSIONS, EXPORT_MEDIA_TYPES, exportSessions, type ExportFormat, type ExportReader } from '@tapes/export';
import { TAPES_VERSION } from '@tapes/nest-kit';
import { ReadService } from './read.service';

/** What the export route sends: a stream of the document, its media type and a file name. */
export interface SessionExportDocument {
  stream: Readable;
  contentType: string;
  fileName: string;
}

/**
 * `GET sessions/:id/export` (#16): one session as JSONL, HAR or OTLP/JSON, produced by libs/export
 * from the same turn details the API serves (so a download equals what `tapes export` writes from
 * the store). JSONL is streamed turn by turn; an unknown session is a 404 before anything is sent.
 */
@Injectable()
export class SessionExportService {
  constructor(private readonly read: ReadService) {}

  async export(id: string, format: ExportFormat, bodies: boolean): Promise<SessionExportDocument> {
    const reader: ExportReader = {
      session: (sessionId) => this.read.session(sessionId),
      turn: (turnId, options) => this.read.turn(turnId, options.bodies),
    };
    // Before the first byte: afterwards a missing session could only cut the stream.
    await reader.session(id);
    const pieces = exportSessions(reader, [id], format, { bodies, version: TAPES_VERSION });
    return {
      stream: Readable.from(pieces, { objectMode: false }),
      contentType: `${EXPORT_MEDIA_TYPES[format]}; charset=utf-8`,
      fileName: `tapes-${id.replace(/[^A-Za-z0-9._-]+/g, '_')}.${EXPORT_EXTENSIONS[format]}`,
    };
  }
}
