import { createDefaultReducers, type Reducer } from '@tapes/capture';

/**
 * Where an app's reducers come from, in a form that can cross to the storage worker thread
 * (functions cannot): the shipped list, or a module exporting a factory. Both threads build the
 * same list from it, so a custom reducer decides routing in the proxy and request parsing and
 * reduction in the worker alike (#11).
 */
export type ReducerSource = 'default' | { readonly module: string; readonly export: string };

export function loadReducers(source: ReducerSource): Reducer[] {
  if (source === 'default') return createDefaultReducers();
  // The module is named at run time, in either thread: a require, not an import.
  const exported = (require(source.module) as Record<string, unknown>)[source.export];
  if (typeof exported !== 'function') throw new Error(`${source.module} exports no reducer factory named ${source.export}`);
  const reducers = (exported as () => unknown)();
  if (!Array.isArray(reducers) || reducers.some((r) => typeof (r as Partial<Reducer>)?.start !== 'function')) {
    throw new Error(`${source.module}#${source.export} did not return a list of reducers`);
  }
  return reducers as Reducer[];
}
