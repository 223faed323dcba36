import { Module, type DynamicModule } from '@nestjs/common';
import { ViewerController } from './viewer.controller';
import { defaultViewerRoot, ViewerFiles } from './viewer-files';
import { VIEWER_FILES } from './viewer.tokens';

export interface ViewerOptions {
  /** The read API relative to the page: `v1/` under the proxy's `/_tapes/`, `../v1/` under ingest's `/ui/`. */
  apiBase: string;
  /** The viewer's build directory (default: {@link defaultViewerRoot}). */
  root?: string | undefined;
}

/**
 * The web viewer (#15): apps/viewer's static build served as Nest routes. Each app imports it and
 * mounts it with RouterModule where it belongs (the proxy at `/_tapes`, ingest at `/ui`), so the
 * app's global guard decides who may see it, exactly as for the read API.
 */
@Module({})
export class ViewerModule {
  static register(options: ViewerOptions): DynamicModule {
    return {
      module: ViewerModule,
      controllers: [ViewerController],
      providers: [{ provide: VIEWER_FILES, useFactory: () => new ViewerFiles(options.root ?? defaultViewerRoot(), options.apiBase) }],
    };
  }
}
