// Package training turns stored conversations into a data set for
// fine-tuning a chat model, and keeps out of it everything that must stay
// out: conversations of customers who did not opt in, conversations that
// touch special categories of data, and the personal data inside the
// conversations that do go in.
//
// It is pure: it reads conversations handed to it and writes JSON Lines to
// an io.Writer. Reading them (store.DB.EachConversation) and deciding where
// the lines go (`trement export training`) are the caller's business.
//
// # What goes in
//
// A conversation is exported only if all of these hold, checked in this
// order; the first that fails is the one reason it is counted under:
//
//   - it could be read: its contact's data key still exists (ReasonErased)
//     and every field opened (ReasonUnreadable);
//   - its contact's consent state is granted (ReasonNotOptedIn); pending,
//     declined, withdrawn and none stay out;
//   - it is not sensitive: not flagged (Conversation.Sensitive) and
//     redact.Sensitive finds no special category in any message
//     (ReasonSensitive);
//   - a customer wrote something an assistant answered (ReasonNoCustomer)
//     and an assistant answered at all (ReasonNoAssistant);
//   - after redaction nothing personal is left (ReasonResidualPII).
//
// Within an exported conversation, system notices (author "system": the
// consent question, opt-out confirmations, privacy links) are not turns of
// the dialogue and are left out, as are failed sends, empty bodies,
// message types whose text is not the customer's words or may carry what
// redaction cannot see (documents' file names, locations, shared contacts,
// form replies, orders, templates), and customer turns after the last
// answer. The Summary counts each.
//
// # Redaction
//
// Every text is redacted with one fresh redact.Mapping per conversation,
// so a value keeps its placeholder ("[EMAIL_1]") across the customer's
// messages and the answers that quote it. The mapping is never restored
// and is dropped with the conversation. The contact's profile name, which
// redact cannot recognise, is masked as [NAME_1]. Then, belt and braces,
// each line is checked again: if redact.Detect finds anything in any text
// or in the encoded line, or the contact's number is still there, the
// conversation is left out as ReasonResidualPII.
//
// # Format
//
// One JSON object per conversation, in the chat format OpenAI's
// fine-tuning takes:
//
//	{"messages":[{"role":"system","content":"…"},{"role":"user","content":"…"},{"role":"assistant","content":"…"}]}
//
// The customer is "user"; the bot and operators are "assistant".
// Consecutive messages of one role are joined with a newline into one
// turn. Operators' turns carry no marker: a model must not learn to say it
// is a person.
package training
