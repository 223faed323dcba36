/**
 * Test support: one app logging to a fake stdout. nestjs-pino keeps its root logger in a static, so
 * each spec file builds exactly one app (a second one in the same file would log to the first one's stream).
 */
import { Injectable, Logger, Module } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { PassThrough } from 'node:stream';
import { TapesLogger, tapesLoggerModule, type LogFormat } from '../src/lib/logger';

@Injectable()
export class Speaker {
  private readonly logger = new Logger(Speaker.name);
  say(): void {
    this.logger.log({ turnId: 't-1' }, 'turn complete');
  }
}

@Module({ providers: [Speaker] })
class SpeakerModule {}

/** Runs `act` in an app logging to a fake stdout; resolves with the lines once the last one (`until`) is out. */
export async function loggedLines(format: LogFormat, tty: boolean, act: (logger: TapesLogger, speaker: Speaker) => void, until: string): Promise<string[]> {
  const out = Object.assign(new PassThrough(), { isTTY: tty });
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const moduleRef = await Test.createTestingModule({ imports: [tapesLoggerModule({ level: 'info', app: 'test', format, destination: out }), SpeakerModule] }).compile();
  const app = moduleRef.createNestApplication(new FastifyAdapter(), { bufferLogs: true });
  const logger = app.get(TapesLogger);
  app.useLogger(logger);
  await app.init();
  app.flushLogs();
  act(logger, app.get(Speaker));
  // pino-pretty's transform hands lines on asynchronously: wait for the last one (an outcome, not a timing).
  while (!Buffer.concat(chunks).includes(until)) await new Promise((resolve) => setTimeout(resolve, 5));
  await app.close();
  return Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean);
}

