/** Where the app's reducers come from (a `ReducerSource`), for the storage worker to build the same list. */
export const REDUCER_SOURCE = Symbol('REDUCER_SOURCE');
