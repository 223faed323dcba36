/** One finding of `tapes doctor`. `fail` makes it exit 1; `warn` is worth knowing; `ok` and `info` are fine. */
export interface Check {
  /** What was checked: `store`, `migrations`, `proxy`, `env ANTHROPIC_BASE_URL`, `data dir`, … */
  name: string;
  status: 'ok' | 'info' | 'warn' | 'fail';
  detail: string;
  /** What to do about it, for warn and fail. */
  fix?: string;
}
