import { Module, type DynamicModule } from '@nestjs/common';
import type { Reducer } from '@tapes/capture';

/** The injection token of the reducer list: `@Inject(REDUCERS) reducers: readonly Reducer[]`. */
export const REDUCERS = Symbol('REDUCERS');

/**
 * Hands the reducers to an app as one injected list (design §3): capture sites never construct or
 * look up reducers globally, so tests can inject exactly the list they want.
 */
@Module({})
export class CaptureModule {
  static forRoot(createReducers: () => readonly Reducer[]): DynamicModule {
    return {
      module: CaptureModule,
      global: true,
      providers: [{ provide: REDUCERS, useFactory: () => Object.freeze([...createReducers()]) }],
      exports: [REDUCERS],
    };
  }
}
