import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { ClientGoneError, relay } from './relay';

/** A server whose one response relays `source`; resolves the relay's outcome. */
async function serve(source: PassThrough, observed: Buffer[]): Promise<{ url: string; outcome: Promise<unknown>; close: () => Promise<void> }> {
  let settle!: (value: unknown) => void;
  const outcome = new Promise((resolve) => (settle = resolve));
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    relay(source, res, (chunk) => observed.push(chunk), () => undefined).then(
      () => settle('done'),
      (err: unknown) => settle(err),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    outcome,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('relay', () => {
  it('delivers every chunk in order and shows each one to the observer', async () => {
    const source = new PassThrough();
    const observed: Buffer[] = [];
    const server = await serve(source, observed);
    const received: Buffer[] = [];
    const done = new Promise<void>((resolve) => http.get(server.url, (res) => res.on('data', (c: Buffer) => received.push(c)).on('end', resolve)));
    for (const part of ['one ', 'two ', 'three']) source.write(part);
    source.end();
    await done;
    expect(Buffer.concat(received).toString()).toBe('one two three');
    expect(Buffer.concat(observed).toString()).toBe('one two three');
    expect(await server.outcome).toBe('done');
    await server.close();
  });

  it('breaks the client response, not ends it, when the source fails', async () => {
    const source = new PassThrough();
    const server = await serve(source, []);
    let arrived!: () => void;
    const firstChunk = new Promise<void>((resolve) => (arrived = resolve));
    const clientError = new Promise<string>((resolve) =>
      http.get(server.url, (res) => {
        res.once('data', () => arrived());
        res.on('end', () => resolve('ended cleanly'));
        res.on('error', () => resolve('broken'));
        res.on('close', () => resolve(res.complete ? 'ended cleanly' : 'broken'));
      }),
    );
    source.write('partial');
    // Failed mid-relay: once the client has its first chunk (not after a fixed delay, which a loaded
    // machine may spend before the relay even began).
    await firstChunk;
    source.destroy(new Error('upstream reset'));
    expect(await clientError).toBe('broken');
    expect(await server.outcome).toEqual(new Error('upstream reset'));
    await server.close();
  });

  it('breaks the client response when the source failed before the relay began (its error event already gone)', async () => {
    const source = new PassThrough();
    source.on('error', () => undefined); // as undici's body: the error is emitted while nobody relays yet
    source.write('partial');
    source.destroy(new Error('upstream reset early'));
    await new Promise((resolve) => setImmediate(resolve));
    const server = await serve(source, []);
    // The client gets what arrived before the failure, then a broken response (never a hang-up before the head).
    const client = new Promise<string>((resolve) =>
      http
        .get(server.url, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('error', () => resolve(`broken: ${body}`));
          res.on('close', () => resolve(res.complete ? 'ended cleanly' : `broken: ${body}`));
        })
        .on('error', () => resolve('no response')),
    );
    expect(await client).toBe('broken: partial');
    expect(await server.outcome).toEqual(new Error('upstream reset early'));
    await server.close();
  });

  it('destroys the source and reports ClientGoneError when the client leaves', async () => {
    const source = new PassThrough();
    const server = await serve(source, []);
    const req = http.get(server.url, (res) => res.once('data', () => req.destroy()));
    req.on('error', () => undefined);
    source.write('first');
    expect(await server.outcome).toBeInstanceOf(ClientGoneError);
    expect(source.destroyed).toBe(true);
    await server.close();
  });

  it('pauses the source while the client does not read (backpressure), then resumes', async () => {
    const source = new PassThrough();
    const server = await serve(source, []);
    let response: http.IncomingMessage | undefined;
    http.get(server.url, (res) => {
      response = res;
      res.pause(); // a client that stops reading
    });
    const chunk = Buffer.alloc(256 * 1024);
    for (let i = 0; i < 200 && !source.isPaused(); i++) {
      source.write(chunk);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(source.isPaused()).toBe(true);
    source.end();
    response!.resume();
    expect(await server.outcome).toBe('done');
    await server.close();
  });
});
