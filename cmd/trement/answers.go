package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/trement/trement/internal/agent"
	"github.com/trement/trement/internal/agent/filter"
	"github.com/trement/trement/internal/agent/grounding"
	"github.com/trement/trement/internal/agent/moderation"
	"github.com/trement/trement/internal/config"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/redact"
)

// answerGuard is the flow's AnswerFilter. Every answer goes through the
// offline filter (agent/filter, the redactor as its personal-data
// detector); an answer a language model wrote must also have its facts
// grounded (agent/grounding) and, when configured, pass the moderation
// model, asked with the same redacted text the model saw.
type answerGuard struct {
	filter       *filter.Filter
	redact       *redact.Detector // with the business's REDACT_ALLOW
	contacts     []string         // the business's public contact data: never "personal data the customer did not give"
	instructions string
	grounding    bool
	memo         grounding.Memo     // the facts of knowledge passages, read once
	moderation   *moderation.Client // nil: not configured
	log          *slog.Logger
}

var _ conversation.AnswerFilter = (*answerGuard)(nil)

// newAnswerGuard builds the guard. kbTexts are the knowledge base's
// passages, read for the business's own contact data.
func newAnswerGuard(cfg *config.Config, kbTexts []string, log *slog.Logger) (*answerGuard, error) {
	g := &answerGuard{redact: newRedactor(cfg), contacts: businessContacts(cfg, kbTexts), instructions: cfg.Instructions, grounding: cfg.Grounding, log: log}
	g.filter = filter.New(filter.Config{DenyList: splitList(cfg.DenyList), AllowValues: g.contacts})
	if cfg.Moderation != "off" {
		m, err := moderation.New(moderation.Config{Kind: cfg.Moderation, BaseURL: cfg.ModerationURL, Model: cfg.ModerationModel,
			APIKey: cfg.ModerationKey, Timeout: cfg.ModerationTimeout})
		if err != nil {
			return nil, err
		}
		g.moderation = m
	}
	return g, nil
}

// businessContacts are BUSINESS_CONTACTS, the DPO contact and privacy URL,
// and every phone number, e-mail address and web address the knowledge
// base publishes.
func businessContacts(cfg *config.Config, kbTexts []string) []string {
	out := append(splitList(cfg.BusinessContacts), cfg.DPOContact, cfg.PrivacyURL)
	for _, t := range kbTexts {
		out = append(out, detectValues(t)...)
	}
	return out
}

func splitList(s string) []string {
	var out []string
	for _, d := range strings.Split(s, ",") {
		if d = strings.TrimSpace(d); d != "" {
			out = append(out, d)
		}
	}
	return out
}

func detectValues(s string) []string { return valuesOf(redact.Detect(s)) }

func valuesOf(fs []redact.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Text)
	}
	return out
}

// newRedactor is the redactor every message path uses (what the model
// sees, the answer filter, the training export, the console's masked
// view), with the business's REDACT_ALLOW: one list, so that a term kept
// for the model is not then refused in the answer as personal data the
// customer never gave.
func newRedactor(cfg *config.Config) *redact.Detector {
	return redact.NewDetector(redact.Options{Allow: splitList(cfg.RedactAllow)})
}

// Check runs the filter, then grounding and moderation for generated
// answers, stopping at the first that objects.
func (g *answerGuard) Check(ctx context.Context, a conversation.Answer) conversation.AnswerVerdict {
	v := g.filter.Check(a.Text, filter.Input{CustomerValues: a.CustomerValues, Detect: func(s string) []string { return valuesOf(g.redact.Detect(s)) }})
	if !v.Allowed {
		var out conversation.AnswerVerdict
		for _, r := range v.Reasons {
			out.Reasons = append(out.Reasons, string(r))
		}
		out.Detail = "matched: " + strings.Join(v.Matches, "; ")
		return out
	}
	if !a.Reply.Generated {
		return conversation.AnswerVerdict{} // the knowledge base's own text
	}
	if g.grounding {
		if out, ok := g.ground(a); !ok {
			return out
		}
	}
	if g.moderation != nil {
		res, err := g.moderation.Check(ctx, a.Message, a.Redacted)
		switch {
		case err != nil:
			g.log.Warn("moderation model unreachable; the answer is not sent", "error", err)
			return conversation.AnswerVerdict{Reasons: []string{"moderation_unavailable"}, Detail: "the moderation model could not be asked"}
		case res.Flagged:
			out := conversation.AnswerVerdict{Detail: "categories: " + strings.Join(res.Categories, ", ")}
			for _, c := range res.Categories {
				out.Reasons = append(out.Reasons, "moderation:"+c)
			}
			return out
		}
	}
	return conversation.AnswerVerdict{}
}

// ground checks the answer's facts against the passages the model was
// given, the conversation, the business's instructions and contact data.
// An ungrounded answer is replaced by the best passage when that passage
// states facts of the same kind (it answers the question the model
// answered wrongly); otherwise the assistant says it is not sure.
func (g *answerGuard) ground(a conversation.Answer) (conversation.AnswerVerdict, bool) {
	passages := make([]string, 0, len(a.Reply.Passages)+len(g.contacts)+1)
	for _, p := range a.Reply.Passages {
		passages = append(passages, p.Title+"\n"+p.Text)
	}
	passages = append(passages, g.contacts...)
	passages = append(passages, g.instructions) // the business's own texts: remembered
	missing := g.memo.Ungrounded(a.Text, passages, a.Sources...)
	if len(missing) == 0 {
		return conversation.AnswerVerdict{}, true
	}
	kinds := grounding.Kinds(missing)
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	out := conversation.AnswerVerdict{Reasons: []string{"ungrounded"}, Detail: "facts not in the knowledge passages or the conversation: " + strings.Join(names, ", ")}
	if p, ok := bestPassage(a.Reply.Passages, a.Language, kinds); ok {
		out.Replacement = passageAnswer(p)
		out.Detail += "; sent article " + p.ArticleID + " instead"
		return out, false
	}
	out.Unsure = true
	return out, false
}

// bestPassage returns the best-ranked passage, in the customer's language
// if one is, when it states a fact of one of kinds.
func bestPassage(ps []agent.Passage, lang string, kinds []grounding.Kind) (agent.Passage, bool) {
	var cands []agent.Passage
	for _, p := range ps {
		if p.Lang == lang {
			cands = append(cands, p)
		}
	}
	if len(cands) == 0 {
		cands = ps
	}
	if len(cands) == 0 {
		return agent.Passage{}, false
	}
	top := cands[0]
	for _, f := range grounding.Facts(top.Text) {
		for _, k := range kinds {
			if f.Kind == k {
				return top, true
			}
		}
	}
	return agent.Passage{}, false
}

// passageMaxRunes bounds a passage sent as an answer; WhatsApp allows
// 4096 characters, a customer reads far fewer.
const passageMaxRunes = 1000

// passageAnswer renders a passage for WhatsApp: the title in bold, the
// light Markdown's bold made WhatsApp's, cut at a sentence end.
func passageAnswer(p agent.Passage) string {
	text := strings.ReplaceAll(strings.TrimSpace(p.Text), "**", "*")
	if title := strings.TrimSpace(p.Title); title != "" {
		text = fmt.Sprintf("*%s*\n%s", title, text)
	}
	if utf8.RuneCountInString(text) <= passageMaxRunes {
		return text
	}
	cut := string([]rune(text)[:passageMaxRunes])
	if i := strings.LastIndexAny(cut, ".!?\n"); i > len(cut)/2 {
		return cut[:i+1]
	}
	return cut + "…"
}
