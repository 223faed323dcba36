import { credentials, makeGenericClientConstructor, type Client, type ClientDuplexStream, type ServiceError, status as GrpcStatus } from '@grpc/grpc-js';
import { loadExtProcMethod } from '../src/ext-proc/ext-proc-service';
import type { ProcessingRequest } from '../src/ext-proc/processing-messages';

/** A reply as the client decodes it: `response` names the oneof case that is set. */
export interface ProcessingResponseMessage {
  response?: string;
  [kind: string]: unknown;
}

export type StreamEnding = 'half_close' | 'cancel' | 'none';

export interface PlayResult {
  /** The oneof case of every reply, in arrival order. */
  replies: string[];
  /** The call's final status code (`none` ending: undefined). */
  status?: number;
}

type ProcessStream = ClientDuplexStream<ProcessingRequest, ProcessingResponseMessage>;

/**
 * A gRPC client that plays Envoy's side of `Process` (docs/ext-proc.md §4): one stream per HTTP
 * exchange. In normal mode it behaves as Envoy does: it sends the next message only after the
 * reply to the previous one arrived, and checks that reply's case. In observability mode it sends
 * everything without waiting.
 */
export class EnvoyClient {
  private readonly client: Client & { Process: () => ProcessStream };

  constructor(port: number) {
    const method = loadExtProcMethod();
    const Ctor = makeGenericClientConstructor({ Process: method }, 'ExternalProcessor');
    this.client = new Ctor(`127.0.0.1:${port}`, credentials.createInsecure(), {
      'grpc.max_send_message_length': 64 * 1024 * 1024,
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    }) as unknown as Client & { Process: () => ProcessStream };
  }

  /** Opens a stream; messages are sent with {@link OpenStream.send}. */
  open(): OpenStream {
    return new OpenStream(this.client.Process());
  }

  /** Plays a whole exchange and closes the stream as `ending` says. */
  async play(messages: ProcessingRequest[], ending: StreamEnding = 'half_close'): Promise<PlayResult> {
    const stream = this.open();
    for (const message of messages) await stream.send(message);
    return stream.finish(ending);
  }

  close(): void {
    this.client.close();
  }
}

export class OpenStream {
  readonly replies: string[] = [];
  private readonly pending: Array<(reply: string) => void> = [];
  private readonly queued: string[] = [];
  private readonly done: Promise<number>;
  private failure: Error | undefined;

  constructor(private readonly call: ProcessStream) {
    call.on('data', (reply: ProcessingResponseMessage) => {
      const kind = reply.response ?? '(unset)';
      this.replies.push(kind);
      const waiter = this.pending.shift();
      if (waiter) waiter(kind);
      else this.queued.push(kind);
    });
    this.done = new Promise<number>((resolve) => {
      call.on('status', (s: { code: number }) => resolve(s.code));
      call.on('error', (err: ServiceError) => {
        this.failure = err;
        resolve(err.code ?? GrpcStatus.UNKNOWN);
      });
    });
  }

  /**
   * Sends one message. Outside observability mode, waits for its reply (as Envoy pauses the HTTP
   * stream until it arrives) and checks that it is of the matching case.
   */
  async send(message: ProcessingRequest): Promise<void> {
    this.call.write(message);
    if (message.observability_mode) return;
    const kind = await this.nextReply();
    if (kind !== message.request) throw new Error(`reply of case ${kind} to a ${message.request} message (spurious for Envoy)`);
  }

  /** Half-closes (Envoy's normal close), cancels (Envoy's reset), or leaves the stream open. */
  async finish(ending: StreamEnding): Promise<PlayResult> {
    if (ending === 'none') return { replies: [...this.replies] };
    if (ending === 'cancel') this.call.cancel();
    else this.call.end();
    const code = await this.done;
    if (ending === 'half_close' && code !== GrpcStatus.OK) throw new Error(`stream ended with status ${code}: ${this.failure?.message ?? ''}`);
    return { replies: [...this.replies], status: code };
  }

  private nextReply(): Promise<string> {
    const queued = this.queued.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      this.pending.push(resolve);
      void this.done.then((code) => reject(new Error(`stream closed (status ${code}) while waiting for a reply`)));
    });
  }
}
