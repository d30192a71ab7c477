// The store layer's error catalogue: callers branch on `code`, never on message text.

/** A value given to a store cannot be stored as JSON without silently changing it. */
export class StoreValueError extends Error {
  readonly code = 'STORE_VALUE_NOT_JSON';
  /** Where in the value the problem is, e.g. `state.memory.lastSeen`. */
  readonly path: string;

  constructor(path: string, problem: string) {
    super(`${path}: ${problem}; stores hold plain JSON only`);
    this.name = 'StoreValueError';
    this.path = path;
  }
}

/** A required field is missing or has a value the store does not know. */
export class StoreInputError extends Error {
  readonly code = 'STORE_INPUT_INVALID';

  constructor(message: string) {
    super(message);
    this.name = 'StoreInputError';
  }
}

export class TicketNotFoundError extends Error {
  readonly code = 'TICKET_NOT_FOUND';
  readonly ticketId: string;

  constructor(ticketId: string) {
    super(`no ticket with id ${ticketId}`);
    this.name = 'TicketNotFoundError';
    this.ticketId = ticketId;
  }
}

/** Another turn held the conversation lock for longer than this caller was willing to wait. */
export class LockTimeoutError extends Error {
  readonly code = 'LOCK_TIMEOUT';
  readonly conversationId: string;

  constructor(conversationId: string, waitedMs: number) {
    super(`conversation ${conversationId} stayed locked for ${waitedMs} ms`);
    this.name = 'LockTimeoutError';
    this.conversationId = conversationId;
  }
}

/** The store's backing service (Redis, data directory) could not be reached or read. */
export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** A ticket change whose precondition (status, department...) no longer held: nothing written. */
export class TicketConflictError extends Error {
  readonly code = 'TICKET_CONFLICT';
  readonly ticketId: string;

  constructor(ticketId: string, message: string) {
    super(`ticket ${ticketId}: ${message}`);
    this.name = 'TicketConflictError';
    this.ticketId = ticketId;
  }
}
