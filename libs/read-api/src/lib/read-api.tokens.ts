/** Where a turn's arrival is announced (the live views): a TurnEvents instance. */
export const TURN_EVENTS = Symbol('TURN_EVENTS');
