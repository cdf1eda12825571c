package conversation

import (
	"context"
	"errors"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"hash/fnv"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/trement/trement/internal/agent"
	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/policy"
	"github.com/trement/trement/internal/redact"
)

// AnswerFilter checks an answer before it is queued: agent/filter, the
// grounding of a model's facts (agent/grounding) and an optional
// moderation model, as cmd/trement wires them. A moderation model that
// cannot be asked must make Check block (fail closed), not pass.
type AnswerFilter interface {
	Check(ctx context.Context, a Answer) AnswerVerdict
}

// Answer is a provider's answer with what a filter needs to judge it.
type Answer struct {
	Text     string // as the customer would read it, placeholders restored
	Redacted string // as the provider wrote it, placeholders kept: all that may leave trement
	Message  string // the customer's new message, redacted
	Language string
	// CustomerValues are the personal data the customer gave in this
	// conversation; the answer may give them back.
	CustomerValues []string
	// Sources are the conversation's texts the answer may take facts
	// from: the customer's messages and earlier replies, as written.
	Sources []string
	Reply   agent.Reply // its Passages and Generated flag
}

// AnswerVerdict is an AnswerFilter's decision.
type AnswerVerdict struct {
	// Reasons say why the answer is not sent as is ("harmful:hate",
	// "ungrounded", "moderation_unavailable"); empty: it is sent.
	Reasons []string
	// Detail is for the audit trail and the operators' note: what matched,
	// never personal data.
	Detail string
	// Replacement, when set, is sent instead (the best knowledge passage
	// for an answer whose facts were not grounded).
	Replacement string
	// Unsure treats the answer as one the agent could not give: the
	// customer hears that the assistant is not sure and can ask for a
	// person, rather than being handed over as for a harmful answer.
	Unsure bool
}

// agents answers stored inbound messages with the Provider, outside any
// transaction (a model may take seconds). Jobs of one conversation always
// go to the same worker, so a customer's messages are answered in order.
// A job lost to a crash is found again at start-up: its message is still
// agent_pending.
type agents struct {
	store    Store
	flow     *Flow
	provider agent.Provider
	filter   AnswerFilter
	log      *slog.Logger
	stats    *Stats
	queues   []chan *agentJob
	results  chan *agentResult
	onSent   func()

	// ordered is set when several replicas process the inbox (a
	// partitioned store): two messages of one conversation may then be
	// answered on different replicas, so a turn waits (deferred, then
	// computed again) while an older message of its conversation still
	// waits for the agent, and sweep picks up turns a dead replica left.
	ordered  bool
	deferred []*agentJob // commit's goroutine only, in the order they came
}

// turnWait bounds how long a turn waits for an older message of its
// conversation to be answered first: past it, the older one is given up
// on (its replica died, or its turn keeps failing; sweep retries it).
const turnWait = time.Minute

// sweepEvery is how often a replica looks for turns left waiting longer
// than sweepAfter (by a replica that died mid-turn) and takes them on;
// claiming at commit makes one of two replicas that both took a turn win.
const (
	sweepEvery = 15 * time.Second
	sweepAfter = 30 * time.Second
)

// sweep re-submits agent turns waiting longer than sweepAfter, until ctx
// ends.
func (a *agents) sweep(ctx context.Context) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var msgs []*Message
		err := a.store.View(ctx, func(tx Tx) error {
			var err error
			msgs, err = tx.PendingAgentMessagesBefore(time.Now().Add(-sweepAfter), 1000)
			return err
		})
		if err != nil {
			if ctx.Err() == nil {
				a.log.Warn("cannot look for agent turns left waiting", "error", err)
			}
			continue
		}
		if len(msgs) > 0 {
			a.log.Info("taking on agent turns left waiting", "count", len(msgs))
			jobs := make([]*agentJob, 0, len(msgs))
			for _, m := range msgs {
				jobs = append(jobs, &agentJob{ConversationID: m.ConversationID, MessageID: m.ID})
			}
			a.submit(jobs)
		}
	}
}

func (a *agents) submit(jobs []*agentJob) {
	for _, j := range jobs {
		h := fnv.New32a()
		h.Write([]byte(j.ConversationID))
		a.queues[h.Sum32()%uint32(len(a.queues))] <- j
	}
}

func (a *agents) run(ctx context.Context, q chan *agentJob) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-q:
			if err := a.answer(ctx, j); err != nil && ctx.Err() == nil {
				a.log.Error("agent turn failed; the message stays pending", "conversation_id", j.ConversationID, "error", err)
			}
		}
	}
}

// recover re-submits messages left agent_pending by a previous run.
func (a *agents) recover(ctx context.Context) error {
	var msgs []*Message
	if err := a.store.View(ctx, func(tx Tx) error {
		var err error
		msgs, err = tx.PendingAgentMessages(10000)
		return err
	}); err != nil {
		return err
	}
	jobs := make([]*agentJob, 0, len(msgs))
	for _, m := range msgs {
		jobs = append(jobs, &agentJob{ConversationID: m.ConversationID, MessageID: m.ID})
	}
	if len(jobs) > 0 {
		a.log.Info("resuming agent turns left pending", "count", len(jobs))
		go a.submit(jobs)
	}
	return nil
}

// answer runs one agent turn: redact, ask the provider, restore, filter,
// and hands the outcome to the committer, which queues the answer (or
// escalates) in a transaction shared with other turns.
func (a *agents) answer(ctx context.Context, j *agentJob) error {
	conv, c, history, msg := j.conv, j.contact, j.history, j.msg
	if msg != nil {
		return a.turn(ctx, j, conv, c, history, msg)
	}
	// A job recovered at start-up carries nothing: read what it needs.
	err := a.store.View(ctx, func(tx Tx) error {
		var err error
		if msg, err = tx.Message(j.MessageID); err != nil {
			return err
		}
		if conv, err = tx.Conversation(j.ConversationID); err != nil {
			return err
		}
		if c, err = tx.Contact(conv.ContactID); err != nil {
			return err
		}
		if history, err = tx.Messages(conv.ID, a.flow.cfg.HistoryTurns+1); err != nil {
			return err
		}
		j.quoted, err = quotedText(tx, c.ID, "", msg.ReplyToID)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return nil // erased meanwhile
	}
	if err != nil {
		return err
	}
	if msg.Status != StatusAgentPending {
		return nil
	}
	j.lang = replyLanguage(msg.Body, "", conv, c)
	return a.turn(ctx, j, conv, c, history, msg)
}

func (a *agents) turn(ctx context.Context, j *agentJob, conv *Conversation, c *Contact, history []*Message, msg *Message) error {
	ctx, span := a.flow.tracing.tr.Start(withTraceparent(ctx, j.trace), "agent.reply", trace.WithAttributes(attribute.Int("agent.history", len(history))))
	defer span.End()

	// Redact everything that leaves for the provider; the mapping lives
	// only in this function, for this turn.
	d := a.flow.cfg.Redactor
	_, mapping := d.Redact("")
	var turns []agent.Turn
	var customerValues, sources []string
	for _, h := range history {
		if h.ID == msg.ID {
			continue
		}
		role := agent.RoleAssistant
		switch {
		case h.Direction == In:
			role = agent.RoleCustomer
		case strings.HasPrefix(h.Author, "operator"):
			role = agent.RoleOperator
		}
		if h.Type == TypeNote || h.Type == TypeReaction {
			continue // for operators only; a reaction is not a turn
		}
		// One detection pass per text: the customer's values come from the
		// same findings as the redaction.
		var text string
		if h.Direction == In {
			var vals []string
			text, vals = mapping.RedactValues(h.Body)
			customerValues = append(customerValues, vals...)
		} else {
			text = mapping.RedactMore(h.Body)
		}
		turns = append(turns, agent.Turn{Role: role, Text: text, Forwarded: h.Direction == In && h.Meta != nil && h.Meta.Forwarded})
		sources = append(sources, h.Body)
	}
	message, vals := mapping.RedactValues(msg.Body)
	customerValues = append(customerValues, vals...)
	sources = append(sources, msg.Body)
	req := agent.Request{ConversationID: conv.ID, Language: j.lang, BusinessName: a.flow.cfg.BusinessName,
		Instructions: a.flow.cfg.Instructions, History: turns, Message: message}
	sources = withOrigin(&req, mapping, msg, history, sources)
	if j.quoted != "" {
		// "What about this one?" replying to an earlier answer means
		// nothing without the answer: the provider gets it, redacted like
		// the rest, and the answer may take facts from it.
		req.Quoted = mapping.RedactMore(j.quoted)
		sources = append(sources, j.quoted)
	}

	reply, perr := a.provider.Reply(ctx, req)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if perr != nil {
		span.SetStatus(codes.Error, "provider failed")
	}
	r := &agentResult{msgID: msg.ID, convID: conv.ID, lang: j.lang, trace: traceparent(ctx), ack: mapping.Restore(reply.Acknowledge)}
	if j.quote || othersOpen(history, msg.ID) {
		r.replyTo = msg.WAMessageID
	}
	switch {
	case perr != nil:
		r.reason = "agent_unavailable"
		a.log.Warn("agent provider failed; escalating", "conversation_id", conv.ID, "error", perr)
	case reply.Unsure || reply.Confidence < a.flow.cfg.Confidence || strings.TrimSpace(reply.Text) == "":
		r.unsure = true
	default:
		r.answer = mapping.Restore(reply.Text)
		v := a.filter.Check(ctx, Answer{Text: r.answer, Redacted: reply.Text, Message: req.Message, Language: j.lang,
			CustomerValues: customerValues, Sources: sources, Reply: reply})
		if len(v.Reasons) > 0 {
			r.verdict = v
			a.stats.AgentBlocked.Add(1)
			for _, why := range v.Reasons {
				a.stats.AgentBlockedBy.Add(why)
			}
			switch {
			case v.Replacement != "":
				r.answer = v.Replacement
			case v.Unsure:
				r.answer, r.unsure = "", true
			default:
				r.answer, r.reason = "", "answer_blocked:"+strings.Join(v.Reasons, ",")
			}
		}
	}
	if ctx.Err() != nil {
		return ctx.Err() // a moderation call cut short: the message stays agent_pending
	}

	select {
	case a.results <- r:
		return nil
	case <-ctx.Done():
		return ctx.Err() // the message stays agent_pending for the next start
	}
}

// othersOpen reports whether, besides msgID, the customer sent a message
// the business has not replied to yet: the answer then quotes the question
// it answers, so the customer can tell which one it is.
func othersOpen(history []*Message, msgID string) bool {
	for i := len(history) - 1; i >= 0; i-- {
		h := history[i]
		if h.Direction == Out {
			return false
		}
		if h.ID != msgID && h.Type != TypeReaction {
			return true
		}
	}
	return false
}

// agentResult is an agent turn computed and waiting to be committed.
type agentResult struct {
	msgID, convID string
	lang          string
	replyTo       string        // wamid the answer quotes, if any
	unsure        bool          // the agent could not answer
	reason        string        // non-empty: hand to a person instead of answering
	answer        string        // or the replacement the verdict chose
	verdict       AnswerVerdict // why the answer was not sent as written, if it was not
	trace         string        // traceparent of the turn, carried to the send
	ack           string        // with unsure: what the agent understood is asked about
}

// maxFailures is how many unsure answers in a row hand the conversation
// to a person: one unsure answer only says what the assistant can do.
const maxFailures = 3

// commit writes computed turns in batches: one commit covers many
// answers. Each turn re-checks the conversation, since a human may have
// taken it or the customer opted out while the provider was thinking.
//
// The commits are Replayable: an answer lost to a power cut was never
// sent (its send waits for a durable start, which would have made this
// commit durable too), and its message, agent_pending again, is answered
// again at the next start (recover).
func (a *agents) commit(ctx context.Context) {
	ctx = Replayable(ctx)
	for {
		var first *agentResult
		select {
		case <-ctx.Done():
			return
		case first = <-a.results:
		}
		batch := []*agentResult{first}
	collect:
		for len(batch) < 256 {
			select {
			case r := <-a.results:
				batch = append(batch, r)
			default:
				break collect
			}
		}
		err := a.store.Update(context.WithoutCancel(ctx), func(tx Tx) error { return a.applyAll(tx, batch) })
		if err != nil {
			// One bad turn must not sink the others: commit them one by
			// one; a turn that still fails stays agent_pending and is
			// retried at the next start.
			for _, r := range batch {
				if err := a.store.Update(context.WithoutCancel(ctx), func(tx Tx) error { return a.applyAll(tx, []*agentResult{r}) }); err != nil {
					a.log.Error("agent turn not committed; the message stays pending", "conversation_id", r.convID, "error", err)
				}
			}
		}
		a.resubmitDeferred()
		a.onSent()
	}
}

// resubmitDeferred computes deferred turns again a little later, when the
// older message they waited for has had time to be answered.
func (a *agents) resubmitDeferred() {
	if len(a.deferred) == 0 {
		return
	}
	jobs := a.deferred
	a.deferred = nil
	a.log.Debug("agent turns wait for an older message of their conversation", "count", len(jobs))
	time.AfterFunc(200*time.Millisecond, func() { a.submit(jobs) })
}

// applyAll commits a batch of turns in tx, in order. Claiming the messages
// first makes one turn win even when two replicas recovered the same
// pending message; the conversations and their contacts are read once for
// the batch, and a turn's changes to them are seen by the next turn of the
// same conversation, as they would be read back.
func (a *agents) applyAll(tx Tx, batch []*agentResult) error {
	ids := make([]string, len(batch))
	for i, r := range batch {
		ids[i] = r.msgID
	}
	if a.ordered {
		behind, err := tx.AgentTurnsBehind(ids, tx.Time().Add(-turnWait))
		if err != nil {
			return err
		}
		if len(behind) > 0 {
			kept := ids[:0]
			for _, r := range batch {
				if behind[r.msgID] {
					if !slices.ContainsFunc(a.deferred, func(j *agentJob) bool { return j.MessageID == r.msgID }) {
						a.deferred = append(a.deferred, &agentJob{ConversationID: r.convID, MessageID: r.msgID})
					}
					continue
				}
				kept = append(kept, r.msgID)
			}
			ids = kept
		}
	}
	won, err := tx.ClaimAgentMessages(ids)
	if err != nil {
		return err
	}
	convIDs := make([]string, 0, len(won))
	listed := make(map[string]bool, len(won))
	for _, r := range batch {
		if won[r.msgID] && !listed[r.convID] {
			listed[r.convID] = true
			convIDs = append(convIDs, r.convID)
		}
	}
	if len(convIDs) == 0 {
		return nil // answered already, or erased
	}
	convs, contacts, err := tx.ConversationsAndContacts(convIDs)
	if err != nil {
		return err
	}
	for _, r := range batch {
		if !won[r.msgID] {
			continue // answered already (or by an earlier turn of this batch), or erased
		}
		delete(won, r.msgID)
		conv := convs[r.convID]
		if conv == nil {
			continue // erased meanwhile
		}
		c := contacts[conv.ContactID]
		if c == nil {
			continue
		}
		if err := a.apply(tx, r, conv, c); err != nil {
			return err
		}
	}
	return nil
}

// apply commits one claimed turn of conversation conv with contact c.
func (a *agents) apply(tx Tx, r *agentResult, conv *Conversation, c *Contact) error {
	if !a.flow.botAnswers(conv) || c.ConsentState != ConsentGranted {
		return nil // a human took it, or the customer opted out meanwhile
	}
	if v := r.verdict; len(v.Reasons) > 0 {
		// Every answer not sent as written leaves an audit event and a
		// note operators see in the conversation.
		action, note := "agent.answer_blocked", "Agent answer not sent"
		if v.Replacement != "" {
			action, note = "agent.answer_replaced", "Agent answer replaced by a knowledge passage"
		}
		why := strings.Join(v.Reasons, ",")
		if v.Detail != "" {
			why += " (" + v.Detail + ")"
		}
		if err := tx.AppendAudit(&audit.Event{ActorType: "system", ActorID: "agent", Action: action,
			Target: "conversation:" + conv.ID, Outcome: "denied", Reason: why}); err != nil {
			return err
		}
		if err := tx.InsertMessage(&Message{ConversationID: conv.ID, ContactID: c.ID, Direction: Out, Type: TypeNote,
			Body: note + ": " + why, Author: "system", Status: StatusNote}); err != nil {
			return err
		}
	}
	s := &step{f: a.flow, tx: tx, c: c, conv: conv, lang: r.lang}
	switch {
	case r.unsure:
		// Unsure is not a hand-over: say what the assistant can help with
		// and offer a person; only repeated failure hands over.
		conv.Failures++
		if conv.Failures >= maxFailures && conv.State == StateBot {
			if err := s.escalate("agent_unsure_repeatedly"); err != nil {
				return err
			}
		} else if err := a.flow.enqueue(tx, c, conv, Outbound{To: c.WaID, Text: unsureText(r.ack, s.text(policy.Unsure)), ReplyTo: r.replyTo, Trace: r.trace}, "bot", true); err != nil {
			return err
		}
		a.stats.AgentUnsure.Add(1)
		return tx.UpdateConversation(conv)
	case r.reason != "":
		if conv.State != StateBot {
			// Already waiting for a person: no second hand-over.
			return a.flow.enqueue(tx, c, conv, Outbound{To: c.WaID, Text: s.text(policy.Fallback), Trace: r.trace}, "bot", true)
		}
		if err := s.escalate(r.reason); err != nil {
			return err
		}
		return tx.UpdateConversation(conv)
	}
	a.stats.AgentReplies.Add(1)
	if err := a.flow.enqueue(tx, c, conv, Outbound{To: c.WaID, Text: r.answer, ReplyTo: r.replyTo, Trace: r.trace}, "bot", true); err != nil {
		return err
	}
	if conv.Failures == 0 {
		return nil
	}
	conv.Failures = 0
	return tx.UpdateConversation(conv)
}

// withOrigin tells the provider what WhatsApp said about the message
// besides its words, redacted like the rest: that it was forwarded (not
// the customer's own words), and the ad and catalog product the customer
// came from. A customer who tapped an ad writes "is this available?" in
// their first message and "how much is shipping?" in the next: the ad and
// the product are taken from the newest message of the history that has
// them when this one does not. It returns sources with the ad's texts
// added, from which an answer may take facts.
func withOrigin(req *agent.Request, mapping *redact.Mapping, msg *Message, history []*Message, sources []string) []string {
	if m := msg.Meta; m != nil {
		req.Forwarded, req.FrequentlyForwarded = m.Forwarded || m.FrequentlyForwarded, m.FrequentlyForwarded
	}
	metas := []*MessageMeta{msg.Meta}
	for i := len(history) - 1; i >= 0; i-- {
		if h := history[i]; h.Direction == In && h.ID != msg.ID {
			metas = append(metas, h.Meta)
		}
	}
	for _, m := range metas {
		if m == nil {
			continue
		}
		if r := m.Referral; r != nil && req.Referral == nil {
			req.Referral = &agent.Referral{SourceType: r.SourceType, Headline: mapping.RedactMore(r.Headline),
				Body: mapping.RedactMore(r.Body), SourceURL: mapping.RedactMore(r.SourceURL)}
			sources = append(sources, r.Headline, r.Body)
		}
		if p := m.Product; p != nil && req.Product == nil {
			req.Product = &agent.Product{CatalogID: mapping.RedactMore(p.CatalogID), ProductRetailerID: mapping.RedactMore(p.ProductRetailerID)}
		}
	}
	return sources
}

// unsureText is the unsure notice, after what the agent understood the
// customer asks about when it said.
func unsureText(ack, notice string) string {
	if ack = strings.TrimSpace(ack); ack == "" {
		return notice
	}
	return ack + "\n\n" + notice
}
