// A ticket store that says when a ticket was created, so every new complaint or call-back gets its
// department's card whichever module created it (the complaint form, the handoff's left message).
import type { ComplaintTicket, TicketStore } from '../store/types.ts';

export function announcingTicketStore(
  store: TicketStore,
  onCreated: (ticket: ComplaintTicket) => void,
): TicketStore {
  return {
    async create(ticket, by) {
      const created = await store.create(ticket, by);
      onCreated(created);
      return created;
    },
    get: (id) => store.get(id),
    list: (filter) => store.list(filter),
    setStatus: (id, change) => store.setStatus(id, change),
    addHandling: (id, entry) => store.addHandling(id, entry),
    setFeedback: (id, feedback) => store.setFeedback(id, feedback),
    change: (id, change) => store.change(id, change),
  };
}
