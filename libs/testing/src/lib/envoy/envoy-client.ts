import { credentials, makeGenericClientConstructor, status as GrpcStatus, type Client, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { loadSync, type MethodDefinition } from '@grpc/proto-loader';
import type { EnvoyMessage } from './envoy-messages';

/** proto-loader options matching how Envoy's messages decode (docs/ext-proc.md §4.5). */
const PROTO_LOADER_OPTIONS = { keepCase: true, oneofs: true, defaults: true, longs: String, enums: String } as const;

/** A reply as the client decodes it: `response` names the oneof case that is set. */
interface ProcessingResponse {
  response?: string;
}

type ProcessStream = ClientDuplexStream<EnvoyMessage, ProcessingResponse>;

/** Half-close (Envoy's normal end), cancel (Envoy's reset), or leave the stream open. */
export type StreamEnding = 'half_close' | 'cancel' | 'none';

export interface PlayResult {
  /** The oneof case of every reply, in arrival order (empty in observability mode). */
  replies: string[];
  /** The gRPC status the stream closed with (`none` ending: undefined). */
  status?: number;
}

export interface PlayOptions {
  ending?: StreamEnding;
  /** Sees each reply as it arrives, with the count so far (the moment Envoy would act on it). */
  onReply?: (kind: string, replies: number) => void;
  /** Pauses before each message after the first, as the chunks of a streaming upstream arrive. */
  gapMs?: number;
}

function processMethod(protoPath: string): MethodDefinition<object, object> {
  const pkg = loadSync(protoPath, PROTO_LOADER_OPTIONS);
  const service = pkg['envoy.service.ext_proc.v3.ExternalProcessor'] as unknown as Record<string, MethodDefinition<object, object>> | undefined;
  const method = service?.['Process'];
  if (!method) throw new Error(`${protoPath} does not define envoy.service.ext_proc.v3.ExternalProcessor/Process`);
  return method;
}

/**
 * A gRPC client that plays Envoy's side of `ExternalProcessor/Process` (docs/ext-proc.md §4): one
 * stream per HTTP exchange. In normal mode it behaves as Envoy does: it sends the next message only
 * after the reply to the previous one arrived, and fails on a reply of another case or one nobody
 * asked for. In observability mode it sends without waiting. `protoPath` is the wire definition to
 * speak: the sidecar's sources (libs/ext-proc) or the copy shipped beside a bundle.
 */
export class EnvoyClient {
  private readonly client: Client & { Process: () => ProcessStream };

  constructor(port: number, protoPath: string) {
    const Ctor = makeGenericClientConstructor({ Process: processMethod(protoPath) }, 'ExternalProcessor');
    this.client = new Ctor(`127.0.0.1:${port}`, credentials.createInsecure(), {
      'grpc.max_send_message_length': 64 * 1024 * 1024,
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    }) as unknown as Client & { Process: () => ProcessStream };
  }

  /** Opens a stream; messages are sent with {@link EnvoyStream.send}, and it ends with {@link EnvoyStream.finish}. */
  open(onReply?: PlayOptions['onReply']): EnvoyStream {
    return new EnvoyStream(this.client.Process(), onReply);
  }

  /** Plays a whole exchange and ends the stream as `ending` says (default: half-close, which must end OK). */
  async play(messages: readonly EnvoyMessage[], options: PlayOptions = {}): Promise<PlayResult> {
    const { ending = 'half_close', onReply, gapMs = 0 } = options;
    const stream = this.open(onReply);
    try {
      for (const [i, message] of messages.entries()) {
        if (i > 0 && gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
        await stream.send(message);
      }
    } catch (err) {
      stream.abandon();
      throw err;
    }
    return stream.finish(ending);
  }

  close(): void {
    this.client.close();
  }
}

export class EnvoyStream {
  readonly replies: string[] = [];
  /** The case of each normal-mode message sent, in order: the reply each one is owed. */
  private readonly owed: string[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly done: Promise<number>;
  private status: number | undefined;
  private failure: Error | undefined;
  private violation: Error | undefined;

  constructor(
    private readonly call: ProcessStream,
    onReply?: PlayOptions['onReply'],
  ) {
    call.on('data', (reply: ProcessingResponse) => {
      const kind = reply.response ?? '(unset)';
      const owed = this.owed[this.replies.length];
      this.replies.push(kind);
      onReply?.(kind, this.replies.length);
      if (this.violation === undefined && owed !== kind) {
        this.violation = new Error(owed === undefined ? `unsolicited reply of case ${kind} (spurious for Envoy)` : `reply of case ${kind} to a ${owed} message (spurious for Envoy)`);
      }
      this.notify();
    });
    this.done = new Promise<number>((resolve) => {
      call.on('status', (s: { code: number }) => resolve(s.code));
      call.on('error', (err: ServiceError) => {
        this.failure = err;
        resolve(err.code ?? GrpcStatus.UNKNOWN);
      });
    }).then((code) => {
      this.status = code;
      this.notify();
      return code;
    });
  }

  /**
   * Sends one message. Outside observability mode, waits for its reply (as Envoy pauses the HTTP
   * stream until it arrives) and fails unless it is of the matching case.
   */
  async send(message: EnvoyMessage): Promise<void> {
    this.call.write(message);
    if (message.observability_mode) return;
    this.owed.push(message.request);
    await this.replyTo(this.owed.length - 1);
  }

  /** Ends the stream: see {@link StreamEnding}. A half-close must end with status OK and every reply given. */
  async finish(ending: StreamEnding): Promise<PlayResult> {
    if (ending === 'none') return { replies: [...this.replies] };
    if (ending === 'cancel') this.call.cancel();
    else this.call.end();
    const code = await this.done;
    if (this.violation) throw this.violation;
    if (ending === 'half_close') {
      if (code !== GrpcStatus.OK) throw new Error(`ext_proc stream ended with status ${code}: ${this.failure?.message ?? ''}`);
      if (this.replies.length < this.owed.length) throw new Error(`stream closed while Envoy waited for a ${this.owed[this.replies.length]} reply`);
    }
    return { replies: [...this.replies], status: code };
  }

  /** Resets the stream after a failure, as Envoy does; nothing is awaited. */
  abandon(): void {
    this.call.cancel();
  }

  private replyTo(index: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const settle = (): boolean => {
        if (this.violation) reject(this.violation);
        else if (this.replies.length > index) resolve();
        else if (this.status !== undefined) reject(new Error(`stream closed (status ${this.status}${this.failure ? `: ${this.failure.message}` : ''}) while Envoy waited for a ${this.owed[index]} reply`));
        else return false;
        return true;
      };
      if (settle()) return;
      const listener = () => settle() && this.listeners.delete(listener);
      this.listeners.add(listener);
    });
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
