/** The ViewerFiles an app's ViewerModule serves. */
export const VIEWER_FILES = Symbol('VIEWER_FILES');
