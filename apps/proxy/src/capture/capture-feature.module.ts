import { Module } from '@nestjs/common';
import path from 'node:path';
import { ByteBudget, DiskSpool } from '@tapes/delivery';
import { TAPES_CONFIG } from '@tapes/nest-kit';
import type { ProxyConfig } from '../config/proxy-config';
import { TurnQueue } from './turn-queue.service';
import { TurnRecorder } from './turn-recorder.service';
import { TurnSpool } from './turn-spool.service';

/** The spool directory inside the data directory. */
export function spoolDir(config: Pick<ProxyConfig, 'dataDir'>): string {
  return path.join(config.dataDir, 'spool');
}

/**
 * Capture behind forwarding: the recorder (which exchanges are turns, and how a capture becomes a
 * stored turn), the byte-bounded queue to storage, and the disk spool for when storage is away.
 */
@Module({
  providers: [
    TurnRecorder,
    TurnQueue,
    TurnSpool,
    { provide: ByteBudget, useFactory: (config: ProxyConfig) => new ByteBudget(config.limits.captureQueueBytes), inject: [TAPES_CONFIG] },
    { provide: DiskSpool, useFactory: (config: ProxyConfig) => DiskSpool.open({ dir: spoolDir(config), maxBytes: config.limits.spoolMaxBytes }), inject: [TAPES_CONFIG] },
  ],
  exports: [TurnRecorder, TurnQueue, TurnSpool, ByteBudget, DiskSpool],
})
export class CaptureFeatureModule {}
