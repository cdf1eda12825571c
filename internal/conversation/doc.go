// Package conversation is the message path, read top to bottom:
// a webhook body lands in the durable inbox (Inbox.Accept), Flow.Step runs
// the consent gate, redaction and the agent, and replies go to the durable
// outbox (Outbox.Enqueue) in the same transaction, from which senders deliver
// them to the WhatsApp Cloud API.
package conversation
