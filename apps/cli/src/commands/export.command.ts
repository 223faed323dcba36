import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { EXPORT_FORMATS, exportSessions, exportSpans, OtlpExportError, sendOtlp, type ExportFormat, type ExportReader } from '@tapes/export';
import { TAPES_VERSION } from '@tapes/nest-kit';
import type { CliCommand, CommandContext } from '../cli-command';
import { CliError, EXIT, usageError } from '../exit-codes';
import { createProgress } from '../io/progress';
import { choiceOption, stringOption } from '../options';
import type { Source } from '../source/source';

/**
 * `tapes export <session…> --format jsonl|otlp|har`: sessions as JSONL (docs/export.md), OTLP spans
 * (to a file, or sent to an OTLP/HTTP endpoint) or a HAR log, made by libs/export from the same turn
 * details whether they come from the store or over `--url`.
 */
export const exportCommand: CliCommand = {
  name: 'export',
  configure(command) {
    command
      .summary('export sessions as JSONL, OpenTelemetry spans or HAR')
      .description(
        'Export sessions: jsonl — one turn per line with its messages and token usage (schema tapes.turn.v1, docs/export.md); ' +
          'otlp — OpenTelemetry spans after the GenAI semantic conventions (a session is a trace, a turn a `chat <model>` span, a tool call an `execute_tool` span), ' +
          'written as OTLP/JSON or sent to an OTLP/HTTP endpoint; har — a HAR 1.2 log for HTTP tools. Writes to stdout unless --out names a file.',
      )
      .argument('<session...>', 'one or more session ids')
      .requiredOption('--format <format>', `${EXPORT_FORMATS.join(' | ')}`)
      .option('--out <file>', 'write to this file (replaced whole once complete) instead of stdout')
      .option('--endpoint <url>', 'otlp: send the spans to this OTLP/HTTP traces endpoint (protobuf), e.g. http://localhost:4318/v1/traces')
      .option('--header <name=value...>', 'otlp --endpoint: a request header (an API key); OTEL_EXPORTER_OTLP_HEADERS is read too')
      .option('--bodies', 'jsonl: add each turn’s raw exchange (redacted headers, bodies base64, chunk timing)')
      .addHelpText(
        'after',
        '\nExamples:\n  tapes export 7b0e… --format jsonl > session.jsonl\n  tapes export 7b0e… 9c1d… --format har --out sessions.har\n  tapes export 7b0e… --format otlp --endpoint http://localhost:4318/v1/traces',
      );
  },
  async run(context, { args, options }) {
    const ids = args[0] as string[];
    const format = choiceOption('format', options['format'], EXPORT_FORMATS) as ExportFormat;
    const out = stringOption(options['out']);
    const endpoint = stringOption(options['endpoint']);
    const headers = headerOptions(options['header']);
    if (endpoint !== undefined && format !== 'otlp') throw usageError(`--endpoint sends OTLP spans: use it with --format otlp, not ${format}`);
    if (endpoint !== undefined && out !== undefined) throw usageError('--endpoint and --out are alternatives: send the spans, or write them to a file');
    if (headers && endpoint === undefined) throw usageError('--header goes with --endpoint');
    if (endpoint !== undefined) assertHttpUrl(endpoint);
    const source = await context.source();
    const reader = progressReader(context, source);
    try {
      if (endpoint !== undefined) return await send(context, reader.reader, ids, endpoint, headers);
      const pieces = exportSessions(reader.reader, ids, format, { bodies: options['bodies'] === true, version: TAPES_VERSION });
      if (out === undefined) {
        await writeAll(pieces, context.out.stdout, context.signal);
        return;
      }
      await writeFileAtomically(out, context.cwd, pieces, context.signal);
      const summary = { format, sessions: ids, turns: reader.turns(), out: path.resolve(context.cwd, out) };
      if (context.out.json) context.out.writeJson(summary);
      else context.out.note(`tapes: wrote ${summary.turns} turns of ${ids.length} session${ids.length === 1 ? '' : 's'} as ${format} to ${summary.out}`);
    } finally {
      reader.stop();
    }
  },
};

async function send(context: CommandContext, reader: ExportReader, ids: string[], endpoint: string, headers: Record<string, string> | undefined): Promise<void> {
  const spans = await exportSpans(reader, ids);
  let result: { spans: number; requests: number };
  try {
    result = await sendOtlp(spans, { url: endpoint, ...(headers ? { headers } : {}) });
  } catch (err) {
    if (!(err instanceof OtlpExportError)) throw err;
    const unreachable = /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|timeout/i.test(`${err.message} ${String((err.cause as Error | undefined)?.message ?? '')}`);
    throw new CliError(unreachable ? EXIT.unavailable : EXIT.failure, err.message, { cause: err, hint: unreachable ? 'is the collector running and listening for OTLP/HTTP?' : undefined });
  }
  const summary = { format: 'otlp', sessions: ids, endpoint, spans: result.spans, requests: result.requests };
  if (context.out.json) context.out.writeJson(summary);
  else context.out.note(`tapes: sent ${result.spans} spans of ${ids.length} session${ids.length === 1 ? '' : 's'} to ${endpoint}`);
}

/** The source as an export reader that counts the turns it reads (a progress bar on a terminal). */
function progressReader(context: CommandContext, source: Source): { reader: ExportReader; turns: () => number; stop: () => void } {
  const progress = createProgress(context.out, 'exporting');
  let total = 0;
  let done = 0;
  return {
    reader: {
      session: async (id) => {
        const session = await source.session(id);
        total += session.turn_count;
        return session;
      },
      turn: async (id, options) => {
        if (context.signal.aborted) throw new CliError(EXIT.interrupted, 'interrupted');
        const turn = await source.turn(id, { bodies: options.bodies });
        done += 1;
        progress.update(done, Math.max(total, done));
        return turn;
      },
    },
    turns: () => done,
    stop: () => progress.stop(),
  };
}

async function writeAll(pieces: AsyncIterable<string>, stream: Writable, signal: AbortSignal): Promise<void> {
  for await (const piece of pieces) {
    if (signal.aborted) return;
    if (!stream.write(piece)) await new Promise<void>((resolve) => stream.once('drain', resolve));
  }
}

/** Writes beside the target and renames over it once complete: a failed export leaves no half file. */
async function writeFileAtomically(file: string, cwd: string, pieces: AsyncIterable<string>, signal: AbortSignal): Promise<void> {
  const target = path.resolve(cwd, file);
  const partial = `${target}.${process.pid}.partial`;
  const stream = createWriteStream(partial, { mode: 0o600 });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  try {
    await opened.catch((err: NodeJS.ErrnoException) => {
      throw new CliError(EXIT.failure, `cannot write ${target}: ${err.code ?? err.message}`);
    });
    await writeAll(pieces, stream, signal);
    await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
    if (signal.aborted) throw new CliError(EXIT.interrupted, 'interrupted');
    await fs.rename(partial, target);
  } catch (err) {
    stream.destroy();
    await fs.rm(partial, { force: true });
    throw err;
  }
}

function headerOptions(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const headers: Record<string, string> = {};
  for (const pair of value as string[]) {
    const at = pair.indexOf('=');
    if (at <= 0) throw usageError(`--header ${pair}: expected name=value`);
    headers[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return headers;
}

function assertHttpUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`--endpoint ${url}: not a URL (e.g. http://localhost:4318/v1/traces)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw usageError(`--endpoint must be http(s), not ${parsed.protocol}`);
}
