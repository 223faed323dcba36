import { credentials, makeGenericClientConstructor, status as GrpcStatus, type Client, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { loadSync, type MethodDefinition } from '@grpc/proto-loader';
import path from 'node:path';
import { bundlePath } from './app-bundles';
import type { ProcessingRequest } from './envoy-messages';

/** proto-loader options matching how Envoy's messages decode (docs/ext-proc.md §4.5). */
const PROTO_LOADER_OPTIONS = { keepCase: true, oneofs: true, defaults: true, longs: String, enums: String } as const;

interface ProcessingResponse {
  response?: string;
}

type ProcessStream = ClientDuplexStream<ProcessingRequest, ProcessingResponse>;

/** How one played exchange went, from Envoy's side. */
export interface PlayedExchange {
  /** The oneof case of every reply, in order (empty in observability mode). */
  replies: string[];
  /** The gRPC status the stream closed with. */
  status: number;
}

/**
 * Plays Envoy's side of `ExternalProcessor/Process` against the sidecar: one stream per HTTP
 * exchange. In normal mode it sends a message only after the reply to the previous one arrived
 * and checks the reply is of the matching case, as Envoy does; in observability mode it sends
 * everything at once. The wire definition is the one shipped beside the sidecar's bundle.
 */
export class EnvoyClient {
  private readonly client: Client & { Process: () => ProcessStream };

  constructor(port: number) {
    const protoFile = path.join(path.dirname(bundlePath('sidecar')), 'ext_proc.proto');
    const pkg = loadSync(protoFile, PROTO_LOADER_OPTIONS);
    const service = pkg['envoy.service.ext_proc.v3.ExternalProcessor'] as unknown as Record<string, MethodDefinition<object, object>>;
    const method = service['Process'];
    if (!method) throw new Error(`${protoFile} does not define ExternalProcessor/Process`);
    const Ctor = makeGenericClientConstructor({ Process: method }, 'ExternalProcessor');
    this.client = new Ctor(`127.0.0.1:${port}`, credentials.createInsecure(), {
      'grpc.max_send_message_length': 64 * 1024 * 1024,
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    }) as unknown as Client & { Process: () => ProcessStream };
  }

  /**
   * Sends the messages of one exchange and half-closes the stream (Envoy's normal end).
   * `onReply` sees each reply as it arrives (the kill -9 scenario: the reply to the last message
   * is the moment Envoy hands the end of the response to its client); `gapMs` paces the messages
   * after the first, as a streaming upstream does.
   */
  play(messages: readonly ProcessingRequest[], options: { onReply?: (kind: string, replies: number) => void; gapMs?: number } = {}): Promise<PlayedExchange> {
    const { onReply, gapMs = 0 } = options;
    return new Promise<PlayedExchange>((resolve, reject) => {
      const call = this.client.Process();
      const replies: string[] = [];
      let next = 0;
      let waitingFor: string | undefined;
      let failed = false;
      const fail = (error: Error) => {
        if (failed) return;
        failed = true;
        call.cancel();
        reject(error);
      };
      const sendNext = (): void => {
        if (failed) return;
        while (next < messages.length) {
          const message = messages[next++]!;
          call.write(message);
          if (!message.observability_mode) {
            waitingFor = message.request;
            return;
          }
        }
        call.end();
      };
      call.on('data', (reply: ProcessingResponse) => {
        const kind = reply.response ?? '(unset)';
        replies.push(kind);
        onReply?.(kind, replies.length);
        if (kind !== waitingFor) return fail(new Error(`reply of case ${kind} while Envoy waited for ${waitingFor ?? 'nothing'}`));
        waitingFor = undefined;
        if (gapMs > 0) setTimeout(sendNext, gapMs);
        else sendNext();
      });
      call.on('error', (err: ServiceError) => fail(new Error(`ext_proc stream failed (${err.code}): ${err.message}`)));
      call.on('status', (s: { code: number }) => {
        if (failed) return;
        if (s.code !== GrpcStatus.OK) return fail(new Error(`ext_proc stream closed with status ${s.code}`));
        if (waitingFor) return fail(new Error(`stream closed while Envoy waited for a ${waitingFor} reply`));
        resolve({ replies, status: s.code });
      });
      sendNext();
    });
  }

  close(): void {
    this.client.close();
  }
}
