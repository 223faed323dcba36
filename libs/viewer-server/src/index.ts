export { ViewerModule } from './lib/viewer.module';
export type { ViewerOptions } from './lib/viewer.module';
export { ViewerFiles, defaultViewerRoot } from './lib/viewer-files';
