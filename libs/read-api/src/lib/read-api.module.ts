import { Module, type DynamicModule } from '@nestjs/common';
import { OpenApiController } from './openapi.controller';
import { TURN_EVENTS } from './read-api.tokens';
import { ReadController } from './read.controller';
import { ReadService } from './read.service';
import { SessionExportService } from './session-export.service';
import { TurnEvents } from './turn-events';

/**
 * The read API (#14) as one Nest module both apps import; each mounts it where it belongs (the
 * proxy under `/_tapes/v1`, ingest under `/v1`) with Nest's RouterModule. It reads the app's
 * TURN_STORE and announces stored turns through the TURN_EVENTS it provides (global, so the
 * capture pipeline can publish).
 */
@Module({})
export class ReadApiModule {
  static register(options: { events?: TurnEvents } = {}): DynamicModule {
    return {
      module: ReadApiModule,
      global: true,
      controllers: [ReadController, OpenApiController],
      providers: [ReadService, SessionExportService, { provide: TURN_EVENTS, useValue: options.events ?? new TurnEvents() }],
      exports: [TURN_EVENTS, ReadService],
    };
  }
}
