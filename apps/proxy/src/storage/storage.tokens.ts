/** The injection token of the proxy's `TurnStore` (an interface, so it needs a token). */
export const TURN_STORE = Symbol('TURN_STORE');

/** Where the app's reducers come from (a `ReducerSource`), for the storage worker to build the same list. */
export const REDUCER_SOURCE = Symbol('REDUCER_SOURCE');
