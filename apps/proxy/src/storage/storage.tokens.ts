/** The injection token of the proxy's `TurnStore` (an interface, so it needs a token). */
export const TURN_STORE = Symbol('TURN_STORE');
