import { Server, ServerCredentials, status as GrpcStatus, type ServerDuplexStream, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import path from 'node:path';
import { workspaceRoot } from '../workspace';
import { EnvoyClient } from './envoy-client';
import { envoySequence, type EnvoyMessage } from './envoy-messages';

/**
 * The Envoy double's own checks, against a bare ext_proc server whose replies each test chooses:
 * the contract and sidecar suites rely on it to fail where Envoy would stall or reset.
 */

const PROTO = path.join(workspaceRoot(), 'libs/ext-proc/src/lib/wire/ext_proc.proto');

type Answer = (message: EnvoyMessage, call: ServerDuplexStream<EnvoyMessage, object>) => void;

async function serve(answer: Answer): Promise<{ port: number; stop: () => Promise<void> }> {
  const pkg = loadSync(PROTO, { keepCase: true, oneofs: true, defaults: true, longs: String, enums: String });
  const service = pkg['envoy.service.ext_proc.v3.ExternalProcessor'] as unknown as ServiceDefinition;
  const server = new Server();
  server.addService(service, {
    Process: (call: ServerDuplexStream<EnvoyMessage, object>) => {
      call.on('data', (message: EnvoyMessage) => answer(message, call));
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { port, stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
}

const continueOf = (message: EnvoyMessage) => ({ [message.request]: {} });
const exchange = (observabilityMode: boolean) =>
  envoySequence({ path: '/v1/messages', requestChunks: [Buffer.from('{}')], responseChunks: [Buffer.from('a'), Buffer.from('b')] }, { observabilityMode });

describe('EnvoyClient', () => {
  const stops: Array<() => Promise<void>> = [];
  const clients: EnvoyClient[] = [];
  const client = async (answer: Answer) => {
    const server = await serve(answer);
    stops.push(server.stop);
    const c = new EnvoyClient(server.port, PROTO);
    clients.push(c);
    return c;
  };
  afterEach(async () => {
    clients.splice(0).forEach((c) => c.close());
    await Promise.all(stops.splice(0).map((stop) => stop()));
  });

  it('plays an exchange message by message against a server that answers each with its CONTINUE', async () => {
    const envoy = await client((m, call) => call.write(continueOf(m)));
    const seen: number[] = [];
    const messages = exchange(false);
    const result = await envoy.play(messages, { onReply: (_kind, n) => seen.push(n) });
    expect(result).toEqual({ replies: messages.map((m) => m.request), status: GrpcStatus.OK });
    expect(seen).toEqual(messages.map((_, i) => i + 1));
  });

  it('expects no reply in observability mode', async () => {
    const envoy = await client(() => undefined);
    expect(await envoy.play(exchange(true))).toEqual({ replies: [], status: GrpcStatus.OK });
  });

  it('fails on a reply of another case', async () => {
    const envoy = await client((m, call) => call.write(m.request === 'response_headers' ? { request_headers: {} } : continueOf(m)));
    await expect(envoy.play(exchange(false))).rejects.toThrow('reply of case request_headers to a response_headers message');
  });

  it('fails on a reply nobody asked for', async () => {
    const envoy = await client((m, call) => {
      call.write(continueOf(m));
      if (m.request === 'response_body' && m.response_body?.end_of_stream) call.write(continueOf(m));
    });
    await expect(envoy.play(exchange(false))).rejects.toThrow('unsolicited reply of case response_body');
  });

  it('fails when the server closes the stream while a reply is owed', async () => {
    // grpc-js ends a server call with a status when the handler emits an error carrying its code.
    const envoy = await client((m, call) => (m.request === 'request_body' ? call.emit('error', Object.assign(new Error('gone'), { code: GrpcStatus.INTERNAL })) : call.write(continueOf(m))));
    await expect(envoy.play(exchange(false))).rejects.toThrow(/^stream closed \(status 13: .*gone\) while Envoy waited for a request_body reply$/);
  });

  it('cancels a stream as Envoy resets one, with the replies so far', async () => {
    const envoy = await client((m, call) => call.write(continueOf(m)));
    const stream = envoy.open();
    const messages = exchange(false);
    await stream.send(messages[0]!);
    const result = await stream.finish('cancel');
    expect(result).toEqual({ replies: ['request_headers'], status: GrpcStatus.CANCELLED });
  });
});
