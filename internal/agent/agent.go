// Package agent defines what trement asks of an AI customer-service agent,
// and nothing about how one is built.
//
// The conversation flow hands a Provider a Request whose text has already
// been PII-redacted (placeholders such as [EMAIL_1] stand in for the
// customer's data) and gets back a Reply. Keeping the contract this small lets
// the offline knowledge agent (agent/knowledge), an OpenAI-compatible model
// server (agent/openai) and test fakes stand in for one another, and keeps
// transport and storage concerns out of the domain: this package imports no
// other internal package and no network or database code.
//
// # Honesty
//
// A Provider that cannot answer from what it knows must say so with
// Reply.Unsure rather than invent an answer; the flow then hands the
// conversation to a human operator. Every answer is also passed through
// agent/filter before it is queued.
package agent

import (
	"context"
	"errors"
	"strings"
)

// Roles of a Turn.
const (
	RoleCustomer  = "customer"
	RoleAssistant = "assistant"
	RoleOperator  = "operator"
)

// Languages a Provider is expected to answer in.
const (
	LangEnglish    = "en"
	LangSpanish    = "es"
	LangPortuguese = "pt"
)

// ErrUnavailable is wrapped by a Provider that could not produce a reply for
// reasons outside the request (network, rate limits, server errors after
// retries), so the flow can fall back to another Provider or a human.
var ErrUnavailable = errors.New("agent: provider unavailable")

// Turn is one message of a conversation's history.
type Turn struct {
	Role string // RoleCustomer, RoleAssistant or RoleOperator
	Text string // redacted
	// Forwarded: a customer turn the customer forwarded from another
	// chat, not written by them.
	Forwarded bool
}

// Request is what the flow asks a Provider. All text is redacted.
type Request struct {
	ConversationID string
	Language       string // LangEnglish, LangSpanish or LangPortuguese
	BusinessName   string
	Instructions   string // the business's own instructions for the agent
	History        []Turn // redacted, oldest first, bounded by the caller
	Message        string // the customer's new message, redacted
	// Quoted is the earlier message the new one replies to (WhatsApp's
	// swipe-to-reply), redacted; empty when it is not a reply. It may be
	// older than History reaches.
	Quoted string
	// Forwarded says the new message was forwarded from another chat:
	// its text is what someone else wrote, passed on, not the customer's
	// own words or request. FrequentlyForwarded: forwarded more than five
	// times (a chain message); Forwarded is then set too.
	Forwarded, FrequentlyForwarded bool
	// Referral is the Click-to-WhatsApp ad or post the customer came
	// from, on this message or an earlier one of History; nil for none.
	Referral *Referral
	// Product is the catalog product the customer asks about (a reply to
	// a product message), on this message or an earlier one of History;
	// nil for none.
	Product *Product
}

// Referral is the ad or post a customer tapped to write. Its text is the
// business's own, redacted all the same like everything in a Request.
type Referral struct {
	SourceType string // "ad" or "post"
	Headline   string
	Body       string
	SourceURL  string
}

// Product names a catalog item. ProductRetailerID is the business's own
// id of it (its SKU): a knowledge article about the product names it in
// its tags.
type Product struct {
	CatalogID         string
	ProductRetailerID string
}

// Subject is what the customer's message is about besides its words, for
// a search of the knowledge base: the product's retailer id and the ad's
// headline ("" for neither).
func (r Request) Subject() string {
	var parts []string
	if r.Product != nil && r.Product.ProductRetailerID != "" {
		parts = append(parts, r.Product.ProductRetailerID)
	}
	if r.Referral != nil && r.Referral.Headline != "" {
		parts = append(parts, r.Referral.Headline)
	}
	return strings.Join(parts, " ")
}

// Reply is a Provider's answer.
type Reply struct {
	Text       string   // empty when Unsure
	Confidence float64  // 0..1; providers calibrate it differently
	Unsure     bool     // the provider could not answer; hand to a human
	Sources    []string // knowledge article ids the answer rests on
	Provider   string   // which provider answered, for the audit trail
	// Generated is set when a language model wrote Text rather than
	// copying it from the knowledge base: the flow then checks that its
	// facts (prices, dates, phone numbers…) come from Passages or the
	// conversation (agent/grounding).
	Generated bool
	// Passages are the knowledge passages the provider was given, best
	// first.
	Passages []Passage
	// Acknowledge, with Unsure, is a sentence saying what the provider
	// understood the customer asks about (the ad or product they came
	// from), for the flow to say before its unsure notice; "" for none.
	// Like Text it may hold the request's placeholders.
	Acknowledge string
}

// Provider answers a customer's message.
//
// Reply returns an error wrapping ErrUnavailable when the provider could not
// be reached or kept failing, and ctx.Err() when ctx ended first. Not being
// able to answer is not an error: it is a Reply with Unsure set.
type Provider interface {
	Reply(ctx context.Context, req Request) (Reply, error)
}

// ProviderFunc adapts a function to a Provider, for tests and wiring.
type ProviderFunc func(ctx context.Context, req Request) (Reply, error)

// Reply calls f(ctx, req).
func (f ProviderFunc) Reply(ctx context.Context, req Request) (Reply, error) { return f(ctx, req) }

// Passage is a piece of the knowledge base retrieved for a query.
type Passage struct {
	ArticleID string  // shared by an article's translations
	Title     string  // the article title, or the section heading
	Lang      string  // language of Text
	Text      string  // plain text, Markdown kept light
	Score     float64 // retrieval score; only comparable within one search
}

// Retriever finds knowledge passages for a query, best first. lang is the
// customer's language; passages in it are preferred but others may be
// returned. It returns at most k passages, none when nothing matches.
type Retriever interface {
	Search(query, lang string, k int) []Passage
}
