package conversation

import "context"

// Durability of the message path's commits.
//
// Every commit is durable against a crash of the process (kill -9): the
// database has it once Commit returns. Against a power cut (or a kernel
// crash) only a commit that waited for the disk is. Waiting is what most of
// a commit's cost is on SQLite (an fsync of the WAL), so the message path
// waits only where something depends on it:
//
//   - the acknowledgement: the inbox insert before Meta gets its 200 (Meta
//     does not send the webhook again once it has it);
//   - the start of a send: an outbox item moves to sending, durably, before
//     its request leaves (that commit's wait covers every commit before it,
//     so the reply the request carries and everything that led to it are on
//     disk before Meta sees it);
//   - a body's effects before the body leaves the inbox, when the two are in
//     different databases (SQLite's inbox is a file of its own);
//   - whatever a person or an operator is told is done (an erasure, a
//     consent change made in the console, an operator's reply).
//
// The other commits of the message path — the agent's answers, outbox
// claims, the settling of sent items, and, where the inbox is in the same
// database, the processor's — are Replayable: a power cut may take the
// last of them back, always as a whole and always the newest first (a
// database's log is replayed as a prefix), which leaves the state of a
// process killed a moment earlier, from which the path recovers as after
// any crash: the inbox replays bodies, agent_pending messages are answered
// again, claims nobody started are released, items in sending wait for
// Meta's status webhook. See README, "Delivery guarantee".

type replayableKey struct{}

// Replayable marks ctx so that a read-write transaction begun with it
// (Store.Update, Store.DeleteInbox) may commit without waiting for the
// disk: durable against a crash of the process, and against a power cut
// once any later commit that waits (on SQLite, of the same database file)
// is. The store decides whether it does (SQLite's does; PostgreSQL's
// commits stay synchronous). Mark only a transaction whose loss to a power cut leaves a state the
// message path recovers from (see above) and whose effects reach no one
// outside before such a later commit.
func Replayable(ctx context.Context) context.Context {
	return context.WithValue(ctx, replayableKey{}, true)
}

// Durable undoes Replayable: a transaction begun with the context it
// returns waits for the disk, whatever ctx says.
func Durable(ctx context.Context) context.Context {
	if !IsReplayable(ctx) {
		return ctx
	}
	return context.WithValue(ctx, replayableKey{}, false)
}

// IsReplayable reports whether ctx was marked by Replayable.
func IsReplayable(ctx context.Context) bool {
	v, _ := ctx.Value(replayableKey{}).(bool)
	return v
}
