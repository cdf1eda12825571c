package knowledge

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trement/trement/internal/agent"
)

// ProviderName is the Reply.Provider of answers from this package.
const ProviderName = "knowledge"

// Passage is a retrieved piece of the knowledge base.
type Passage = agent.Passage

// Options tune the knowledge agent. The zero value is usable: every zero
// field takes the default named in its comment.
type Options struct {
	// MinConfidence is the confidence below which Reply answers Unsure
	// instead of guessing (default 0.30; see calibrate).
	MinConfidence float64
	// MaxChars bounds an answer's length; longer passages are cut at a
	// sentence or line (default 700, a comfortable WhatsApp message).
	MaxChars int
	// K1 and B are the BM25 parameters (default 1.2 and 0.75).
	K1, B float64
	// LanguageBoost multiplies the score of passages in the customer's
	// language, so a translation of the same answer wins ties (default 1.25).
	LanguageBoost float64
	// DefaultLanguage answers requests whose Language is empty or not one of
	// en, es, pt (default "en").
	DefaultLanguage string
	// Synonyms are extra synonym groups, added to a synonyms.txt found at the
	// root of the knowledge folder. A member starting with "=" is a fixed
	// phrase (see the package documentation).
	Synonyms [][]string
	// Logger receives one debug line per reply (never the message text).
	// Default: discard.
	Logger *slog.Logger
}

func (o *Options) setDefaults() {
	if o.MinConfidence == 0 {
		o.MinConfidence = 0.30
	}
	if o.MaxChars == 0 {
		o.MaxChars = 700
	}
	if o.K1 == 0 {
		o.K1 = 1.2
	}
	if o.B == 0 {
		o.B = 0.75
	}
	if o.LanguageBoost == 0 {
		o.LanguageBoost = 1.25
	}
	if o.DefaultLanguage == "" {
		o.DefaultLanguage = agent.LangEnglish
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

func (o *Options) validate() error {
	switch {
	case o.MinConfidence < 0 || o.MinConfidence > 1:
		return fmt.Errorf("MinConfidence %v not in [0, 1]", o.MinConfidence)
	case o.MaxChars < 80:
		return fmt.Errorf("MaxChars %d below 80", o.MaxChars)
	case o.K1 < 0 || o.B < 0 || o.B > 1:
		return fmt.Errorf("BM25 parameters k1=%v b=%v out of range", o.K1, o.B)
	case o.LanguageBoost < 1:
		return fmt.Errorf("LanguageBoost %v below 1", o.LanguageBoost)
	case analyzers[o.DefaultLanguage] == nil:
		return fmt.Errorf("DefaultLanguage %q not supported", o.DefaultLanguage)
	}
	return nil
}

// Agent answers from a knowledge base. It is immutable after New and safe
// for concurrent use.
type Agent struct {
	opts   Options
	ix     *index
	byLang map[string][]int // article id + "\x00" + lang → doc indices
}

var (
	_ agent.Provider  = (*Agent)(nil)
	_ agent.Retriever = (*Agent)(nil)
)

// New loads the knowledge base in fsys and indexes it.
//
// fsys holds Markdown articles (*.md, with id/title/lang/tags front-matter),
// FAQ files (*.yaml, *.yml) and optionally a synonyms.txt at its root; see
// the package documentation. New fails if an article is malformed, has an
// unsupported language, repeats an id in the same language, or if there is
// no article at all.
func New(fsys fs.FS, opts Options) (*Agent, error) {
	opts.setDefaults()
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("knowledge: options: %w", err)
	}
	arts, syn, neutral, err := loadDir(fsys)
	if err != nil {
		return nil, fmt.Errorf("knowledge: load: %w", err)
	}
	if len(arts) == 0 {
		return nil, errors.New("knowledge: load: no articles found")
	}
	seen := map[string]string{}
	for _, a := range arts {
		if analyzers[a.lang] == nil {
			return nil, fmt.Errorf("knowledge: load: %s: article %q: unsupported lang %q (want en, es or pt)", a.file, a.id, a.lang)
		}
		key := a.id + "\x00" + a.lang
		if prev, ok := seen[key]; ok {
			return nil, fmt.Errorf("knowledge: load: %s: article %q (%s) already defined in %s", a.file, a.id, a.lang, prev)
		}
		seen[key] = a.file
	}
	ix := newIndex(arts, slices.Concat(syn, opts.Synonyms, lexiconSynonyms), opts.K1, opts.B, opts.MaxChars)
	ix.addNeutral(neutral)
	ix.addLexicon()
	ag := &Agent{opts: opts, ix: ix, byLang: map[string][]int{}}
	for i, d := range ix.docs {
		key := d.art.id + "\x00" + d.art.lang
		ag.byLang[key] = append(ag.byLang[key], i)
	}
	return ag, nil
}

// Articles returns the number of loaded articles and FAQ entries.
func (a *Agent) Articles() int {
	return len(a.byLang)
}

// match is the agent's best answer to a query.
type match struct {
	doc        int // passage to show, in the customer's language when possible
	confidence float64
	ok         bool
	words      []string // the query words that found it
	cue        timeCue
}

func (a *Agent) lang(l string) string {
	l = strings.ToLower(strings.TrimSpace(l))
	if analyzers[l] == nil {
		return a.opts.DefaultLanguage
	}
	return l
}

// search analyses words in the language they seem to be written in (lang
// unless clearly another) and ranks the passages, preferring lang.
func (a *Agent) search(words []string, lang string) []hit {
	hits, _ := a.searchTerms(words, lang)
	return hits
}

func (a *Agent) searchTerms(words []string, lang string) ([]hit, []qterm) {
	hits, q, _, _ := a.read(words, lang)
	return hits, q
}

// read reads words as a question in the language they seem to be written
// in (lang unless clearly another; see sense.go for the words read in
// context) and ranks the passages for it, preferring lang. It returns the
// words searched and the question's time cue too.
func (a *Agent) read(words []string, lang string) ([]hit, []qterm, []string, timeCue) {
	if arithmetic(words) || asksWeather(words) {
		return nil, nil, words, timeCue{}
	}
	qlang := guessLang(words, lang)
	words = analyzers[qlang].spell(words)
	words, cue := readTime(readGetBack(readAsker(readPayOnDelivery(readSize(readMoneyBack(readOptOut(words, qlang), qlang), qlang), qlang))))
	q := a.ix.expand(analyzers[qlang], words)
	if cue.period() {
		if d, ok := a.ix.destination(analyzers[qlang], words, q); ok {
			q = append(q, d)
		}
	}
	// Question words, numbers and units of time alone ("how long?", "2
	// plus 2", "¿cuántos años tienes?") name no topic: nothing to answer.
	if !slices.ContainsFunc(q, func(t qterm) bool { return t.weight == 1 && !t.unit }) {
		return nil, q, words, cue
	}
	hits := a.ix.searchCue(q, qlang, lang, a.opts.LanguageBoost, cue)
	return hits, q, words, cue
}

// periodCover is the share of its question words a duration question
// finds answered by any passage stating a period, in coverage: half, so
// that the passage whose heading asks "how long" still covers more than a
// price list that mentions "24 h".
const periodCover = 0.5

// periodBoost multiplies the score of a passage stating a period for a
// question about a deadline or a duration.
const periodBoost = 1.2

// tagOnly reports whether the only topic word of q that doc matches is
// found in its tags alone (not its title, heading or text) while another
// topic word is found nowhere: "un fontanero urgente" meets the delivery
// article only through its tag "urgente", and the plumber is unknown.
func (ix *index) tagOnly(doc int, q []qterm) bool {
	d := &ix.docs[doc]
	var matched, inText, unknown int
	for _, t := range q {
		if t.weight < 1 {
			continue
		}
		if len(t.alts) == 0 {
			unknown++
			continue
		}
		found, text := false, false
		for _, al := range t.alts {
			if d.tf[al.term] > 0 {
				found = true
				text = text || d.head[al.term] || d.body[al.term] || d.title[al.term]
			}
		}
		if found {
			matched++
			if text {
				inText++
			}
		}
	}
	return unknown > 0 && matched == 1 && inText == 0
}

const unknownFactor = 0.65

// titleShare is the share of q's topic weight found in doc's article title.
func (ix *index) titleShare(doc int, q []qterm) float64 {
	d := &ix.docs[doc]
	return topicShare(q, func(a alt) bool { return d.title[a.term] })
}

// topicShare is the share of q's topic weight (IDF) whose terms have an
// alternative in.
func topicShare(q []qterm, in func(alt) bool) float64 {
	var got, total float64
	for _, t := range q {
		if t.weight < 1 {
			continue
		}
		total += t.idf
		if slices.ContainsFunc(t.alts, in) {
			got += t.idf
		}
	}
	if total == 0 {
		return 0
	}
	return got / total
}

// othersOwn reports whether the question asks about what someone else
// owns: an English possessive of a word found in no article ("what are
// ikea's opening hours?", "my neighbour's parcel", "the opening hours of
// the post office") is another business or person, whose hours or parcel
// the shop's articles do not answer.
func (ix *index) othersOwn(words []string, q []qterm, lang string) bool {
	an := analyzers[guessLang(words, lang)]
	if an.lang != "en" {
		return false
	}
	unknown := func(w string) bool {
		st := an.stem(w)
		return !an.stop[w] && len(w) >= 2 && slices.ContainsFunc(q, func(t qterm) bool { return t.term == st && len(t.alts) == 0 })
	}
	for i := 0; i+1 < len(words); i++ {
		switch {
		case words[i+1] == "s" && unknown(words[i]): // "ikea's"
			return true
		case words[i] == "of": // "the opening hours of the post office"
			j := i + 1
			if j+1 < len(words) && (words[j] == "the" || words[j] == "a" || words[j] == "an") {
				j++
			}
			if unknown(words[j]) {
				return true
			}
		}
	}
	return false
}

// headShare is the share of q's topic weight found, as written (no
// synonym, no typo), in doc's heading.
func (ix *index) headShare(doc int, q []qterm) float64 {
	d := &ix.docs[doc]
	return topicShare(q, func(a alt) bool { return a.weight == 1 && d.head[a.term] })
}

// headLead is how much more of the question a heading must say to win
// among passages that score alike.
const (
	headLead  = 0.25
	headScore = 0.8 // and may score this far behind
)

// Two articles whose best passages score within closeScore of each other
// are ranked by coverage when one covers coverageLead more of the question.
const (
	closeScore   = 0.9
	coverageLead = 0.05
)

// mostlyUnknown reports whether the question has at least as many topic
// words found in no article as words doc matches: "how much is a flight to
// London?" meets the shipping costs through "how much" alone, and "do you
// sell cars?" the gift cards through "sell". An answer must explain more of
// what was asked than it leaves out. A synonym phrase ("how much") is not
// a word of its own here: its words are counted already.
//
// nothing reports that only price words matched.
func (ix *index) mostlyUnknown(doc int, q []qterm) (mostly, nothing bool) {
	d := &ix.docs[doc]
	var matched, unknown int
	price := false
	for _, t := range q {
		merged := slices.ContainsFunc(t.alts, func(a alt) bool { return a.part })
		if t.weight < 1 || strings.Contains(t.term, " ") && !isPhrase(t.term) && !merged {
			continue
		}
		if len(t.alts) == 0 {
			unknown++
			continue
		}
		if priceTerms[t.term] {
			// "How much does an iphone cost?": the price words say what
			// kind of question it is, the unknown word what it is about.
			price = true
			continue
		}
		if slices.ContainsFunc(t.alts, func(a alt) bool { return d.tf[a.term] > 0 }) {
			// A phrase's words ("customer service") count as words.
			matched += max(1, strings.Count(t.term, " ")+1)
		}
	}
	return unknown > 0 && unknown >= matched, unknown > 0 && matched == 0 && price
}

// best ranks the passages for words and calibrates a confidence from the
// winner's term coverage and its margin over the best other article. When
// prefer names an article (the one the whole message points to) whose
// passage covers the words as fully as the winner, that passage wins: one
// question of a message is read in the light of the message ("¿enviáis a
// México? ¿cuánto tarda?" asks about delivery times, not costs).
func (a *Agent) best(words []string, lang, prefer string) match {
	hits, q, words, cue := a.read(words, lang)
	if len(hits) == 0 {
		return match{}
	}
	top := hits[0]
	if prefer != "" && a.ix.docs[top.doc].art.id != prefer {
		for i, h := range hits {
			if a.ix.docs[h.doc].art.id == prefer {
				if h.coverage >= top.coverage {
					hits = append([]hit{h}, slices.Delete(slices.Clone(hits), i, i+1)...)
					top = h
				}
				break
			}
		}
	}
	// Of two articles that score nearly alike, the one that explains more
	// of the question answers it: "what do you charge for standard
	// delivery?" finds the delivery times a little ahead of the costs, but
	// only the costs say "charge" too.
	if prefer == "" {
		for i, h := range hits[1:] {
			if h.score < headScore*top.score {
				break
			}
			if a.ix.docs[h.doc].art.id == a.ix.docs[top.doc].art.id {
				continue
			}
			close := h.score >= closeScore*top.score
			// Covering alike, the article whose title says what was
			// asked answers it: "¿cuánto tiempo tengo para devolver?"
			// meets the returns ("Devoluciones") and the refunds, whose
			// tags say "devolvéis", alike.
			more := close && h.coverage > top.coverage+coverageLead
			titled := close && h.coverage >= top.coverage-coverageLead && a.ix.titleShare(h.doc, q) > a.ix.titleShare(top.doc, q)
			// The passage whose own heading asks what was asked: "¿me
			// devolvéis lo que pagué de envío?" is the refunds' "¿Me
			// devolvéis los gastos de envío?", not the customs' "¿Tendré
			// que pagar aduanas?" that says "envío" in its text.
			headed := h.coverage >= top.coverage-coverageLead && a.ix.headShare(h.doc, q) > a.ix.headShare(top.doc, q)+headLead
			if more || titled || headed {
				hits = append([]hit{h}, slices.Delete(slices.Clone(hits), i+1, i+2)...)
				top = h
				break
			}
		}
	}
	// An article that speaks to every topic word of the question beats one
	// that leaves one out, if not far behind: "I cancelled, when is my
	// money back?" is answered by the cancellations, which say when the
	// refund of a cancelled order arrives, not by the refunds of returns,
	// which never mention a cancellation.
	doubt := false // two articles answer different halves of the question
	if prefer == "" && !a.ix.complete(top.doc, q) {
		for i, h := range hits[1:] {
			if h.score < completeScore*top.score {
				break
			}
			if cue.price && a.ix.docs[top.doc].price && !a.ix.docs[h.doc].price {
				continue // the winner states the price asked for
			}
			if cue.period() && a.ix.docs[h.doc].price && !a.ix.docs[top.doc].price {
				continue // "how long" is not answered by a price list
			}
			if a.ix.docs[h.doc].art.id != a.ix.docs[top.doc].art.id && h.coverage >= top.coverage-coverageLead && a.ix.complete(h.doc, q) {
				hits = append([]hit{h}, slices.Delete(slices.Clone(hits), i+1, i+2)...)
				top = h
				doubt = true
				break
			}
		}
	}
	id := a.ix.docs[top.doc].art.id
	second := 0.0
	for _, h := range hits[1:] {
		if a.ix.docs[h.doc].art.id != id {
			second = h.score
			// An article whose title says what was asked is surer than
			// one whose headings or tags only use the word: "quiero
			// devolver unos pantalones" is "Devoluciones", though the
			// refunds' "¿Me devolvéis los gastos de envío?" scores alike.
			if !a.ix.docs[top.doc].art.faq && a.ix.titleShare(top.doc, q) > a.ix.titleShare(h.doc, q) {
				second *= titleMargin
			}
			break
		}
	}
	margin := max(0, (top.score-second)/top.score) // 0: a preferred article won a tie
	conf := calibrate(top.coverage, margin)
	if a.ix.tagOnly(top.doc, q) {
		conf /= 2
	}
	if unknown, nothing := a.ix.mostlyUnknown(top.doc, q); unknown {
		conf *= unknownFactor
		if nothing {
			// Only the kind of question is known ("how much does an
			// iphone cost?"): what it asks about is not in the articles.
			conf *= unknownFactor
		}
	}
	if a.ix.othersOwn(words, q, lang) {
		conf /= 2
	}
	// The article that speaks to every word, behind in score, is the
	// better guess, not a sure answer.
	if doubt {
		conf *= unknownFactor
	}
	if a.ix.sharedTag(hits, top, q) {
		conf *= sharedTagFactor
	}
	return match{
		doc:        a.localize(hits, top.doc, lang),
		confidence: conf,
		ok:         true,
		words:      words,
		cue:        cue,
	}
}

// titleMargin discounts the runner-up article, for the confidence, when
// the winner's title holds more of the question (an FAQ's title is its
// question, with its verbs: "Do you sell gift cards?" is not a topic
// "sell").
const titleMargin = 0.75

// completeScore is how far behind the winner an article that speaks to
// every topic word of the question may score and still win, covering
// nearly as much of it (coverageLead).
const completeScore = 0.5

// fragmentCover is the most a single word of a synonym phrase covers.
const fragmentCover = synonymCover / 2

// complete reports whether doc matches every topic word of q found in
// some article, one at least in its title, heading or tags.
func (ix *index) complete(di int, q []qterm) bool {
	d := &ix.docs[di]
	n, meta := 0, false
	for _, t := range q {
		if t.weight < 1 || t.unit || len(t.alts) == 0 {
			continue
		}
		n++
		found := false
		for _, a := range t.alts {
			// A word of a synonym phrase ("cuánto" of "cuánto cuesta")
			// does not say what the question word does.
			if d.tf[a.term] > 0 && (a.cover > fragmentCover || a.part) {
				found = true
				meta = meta || d.meta[a.term]
			}
		}
		if !found {
			return false
		}
	}
	return n >= 2 && meta
}

// calibrate maps coverage (how much of the question the passage speaks to)
// and margin (how clearly it beats the next article) to 0..1. Coverage
// dominates: a passage that matches half the question is not an answer
// however far ahead it is. The weights were fitted on the sample
// knowledge base's test questions (see agent_test.go).
func calibrate(coverage, margin float64) float64 {
	c := coverage * (0.5 + 0.5*margin)
	return min(max(c, 0), 1)
}

// localize returns the passage of the same article in lang: the best
// matching one, else the same section, else the article's first passage;
// or doc itself when the article has no translation in lang.
func (a *Agent) localize(hits []hit, doc int, lang string) int {
	d := a.ix.docs[doc]
	if d.art.lang == lang {
		return doc
	}
	for _, h := range hits {
		hd := a.ix.docs[h.doc]
		if hd.art.id == d.art.id && hd.art.lang == lang {
			return h.doc
		}
	}
	docs := a.byLang[d.art.id+"\x00"+lang]
	for _, i := range docs {
		if a.ix.docs[i].sec == d.sec {
			return i
		}
	}
	if len(docs) > 0 {
		return docs[0]
	}
	return doc
}

// Search returns up to k passages for query, best first, one per article,
// each in lang when the article has a translation. Passages that match less
// than a quarter of the query's weight are left out. It implements
// agent.Retriever for model-backed providers.
func (a *Agent) Search(query, lang string, k int) []Passage {
	lang = a.lang(lang)
	words := queryWords(query)
	if k <= 0 {
		return nil
	}
	hits := a.search(words, lang)
	var out []Passage
	seen := map[string]bool{}
	for _, h := range hits {
		if len(out) == k {
			break
		}
		d := a.ix.docs[h.doc]
		if seen[d.art.id] || h.coverage < 0.25 {
			continue
		}
		seen[d.art.id] = true
		p := a.ix.docs[a.localize(hits, h.doc, lang)]
		title := p.heading
		if title == "" {
			title = p.art.title
		}
		out = append(out, Passage{ArticleID: p.art.id, Title: title, Lang: p.art.lang, Text: p.chunk, Score: h.score})
	}
	return out
}

// Reply answers req.Message from the knowledge base: small talk politely,
// questions with the best passage when confident enough, and otherwise
// Unsure with no text. It returns an error only when ctx is done.
func (a *Agent) Reply(ctx context.Context, req agent.Request) (agent.Reply, error) {
	if err := ctx.Err(); err != nil {
		return agent.Reply{}, err
	}
	lang := a.lang(req.Language)
	words := queryWords(req.Message)
	kind, rest := smallTalk(words, req.BusinessName)
	log := a.opts.Logger.With(slog.String("conversation_id", req.ConversationID), slog.String("lang", lang))
	// A forwarded greeting or thanks was not said to the business.
	if len(rest) == 0 && kind != talkNone && !req.Forwarded {
		log.DebugContext(ctx, "knowledge: small talk", slog.String("kind", kind.String()))
		return agent.Reply{Text: smallTalkReply(kind, lang, req.BusinessName), Confidence: 1, Provider: ProviderName}, nil
	}
	if selfQuestion(rest) {
		log.DebugContext(ctx, "knowledge: about the assistant")
		return agent.Reply{Text: selfReply(lang, req.BusinessName), Confidence: 1, Provider: ProviderName}, nil
	}
	m := a.best(rest, lang, "")
	// "Is this available?" about the product or ad the customer came
	// from is answered about it.
	m, about := a.about(req, rest, lang, m)
	if !about && (!m.ok || m.confidence < a.opts.MinConfidence) {
		// A short follow-up ("and to the Azores?") may only make sense with
		// the message it replies to, else the customer's previous message.
		prev := req.Quoted
		if prev == "" {
			prev = lastCustomerTurn(req.History)
		}
		if prev != "" && len(rest) <= 8 {
			words := append(queryWords(prev), rest...)
			if m2 := a.best(words, lang, ""); m2.ok && m2.confidence > m.confidence {
				m = m2
			}
		}
	}
	// Two questions in one message read together may answer neither
	// surely ("¿puedo pagar con paypal? ¿y cuánto tiempo tengo para
	// devolver?"); each read alone may.
	var ms []match
	if !about && (!m.ok || m.confidence < a.opts.MinConfidence) {
		if ms = a.each(req.Message, req.BusinessName, lang, ""); len(ms) > 0 {
			m = ms[0]
		}
	} else if !about {
		ms = a.each(req.Message, req.BusinessName, lang, a.ix.docs[m.doc].art.id)
	}
	if !m.ok || m.confidence < a.opts.MinConfidence {
		log.DebugContext(ctx, "knowledge: unsure", slog.Float64("confidence", m.confidence))
		return agent.Reply{Confidence: m.confidence, Unsure: true, Provider: ProviderName, Acknowledge: acknowledge(req, lang)}, nil
	}
	// Several questions in one message ("how long does it take and how
	// much does it cost?") get one answer each, from different articles.
	if len(ms) > 1 {
		var parts, ids []string
		conf := 1.0
		for _, sm := range ms {
			d := a.ix.docs[sm.doc]
			ps := a.passages(d.art.id, d.art.lang, a.ix.expand(analyzers[d.art.lang], wanted(sm.words)), wanted(sm.words), sm.cue, sm.doc)
			parts = append(parts, trim(a.format(ps), a.opts.MaxChars/len(ms)))
			ids = append(ids, d.art.id)
			conf = min(conf, sm.confidence)
		}
		log.DebugContext(ctx, "knowledge: answers", slog.String("article_ids", strings.Join(ids, ",")), slog.Float64("confidence", conf))
		return agent.Reply{Text: strings.Join(parts, "\n\n"), Confidence: conf, Sources: ids, Provider: ProviderName}, nil
	}
	d := a.ix.docs[m.doc]
	ps := a.passages(d.art.id, d.art.lang, a.ix.expand(analyzers[d.art.lang], wanted(m.words)), wanted(m.words), m.cue, m.doc)
	log.DebugContext(ctx, "knowledge: answer", slog.String("article_id", d.art.id), slog.Float64("confidence", m.confidence), slog.Int("passages", len(ps)))
	return agent.Reply{
		Text:       a.format(ps),
		Confidence: m.confidence,
		Sources:    []string{d.art.id},
		Provider:   ProviderName,
	}, nil
}

// andQuestion finds "and"/"y"/"e" (or a comma) followed by a question word,
// where a message starts its next question; questionMark the others.
var (
	andQuestion  = regexp.MustCompile(`(?i)[,;]?\s+(?:and|also|y|e|también|tambem|também)\s+((?:how|what|when|where|which|do|does|can|is|are|cu[aá]nto|cu[aá]ndo|d[oó]nde|qu[eé]|puedo|se puede|quanto|quando|onde|posso|d[aá] para|qual)\b)`)
	questionMark = regexp.MustCompile(`\?+|¿+`)
)

// each answers the questions of a multi-question message separately: the
// confident matches, at most two, from different articles (none when the
// message holds one question).
func (a *Agent) each(msg, business, lang, whole string) []match {
	// A part is a question when a question mark ends it or a question
	// word after "and" starts it: "¿dónde está mi pedido? no me ha
	// llegado" holds one question, not two.
	marked := andQuestion.ReplaceAllString(msg, "\x01\x00\x02$1")
	marked = questionMark.ReplaceAllStringFunc(marked, func(m string) string {
		if strings.Contains(m, "?") {
			return "\x01\x00"
		}
		return "\x00"
	})
	var parts []string
	for _, p := range strings.Split(marked, "\x00") {
		if strings.HasPrefix(p, "\x02") || strings.HasSuffix(p, "\x01") {
			parts = append(parts, strings.Trim(p, "\x01\x02"))
		}
	}
	if len(parts) < 2 {
		return nil
	}
	var out []match
	seen := map[string]bool{}
	for _, p := range parts {
		_, rest := smallTalk(queryWords(p), business)
		if len(rest) < 2 {
			continue
		}
		m := a.best(rest, lang, whole)
		if !m.ok || m.confidence < a.opts.MinConfidence {
			continue
		}
		id := a.ix.docs[m.doc].art.id
		if seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, m)
		if len(out) == 2 {
			break
		}
	}
	return out
}

func lastCustomerTurn(h []agent.Turn) string {
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Role == agent.RoleCustomer {
			return h[i].Text
		}
	}
	return ""
}

// placeholder matches the redaction placeholders the caller put in the text.
var placeholder = regexp.MustCompile(`\[[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_[0-9]+\]`)

// Topics names what the knowledge base can help with in lang, for a reply
// that could not answer: the n shortest article titles (FAQ entries and
// the article about reaching a person left out), lower-cased and joined
// ("refunds, returns, payment methods and shipping costs"). It returns ""
// when lang has no articles.
func (a *Agent) Topics(lang string, n int) string {
	seen := map[string]bool{}
	var titles []string
	for _, d := range a.ix.docs {
		art := d.art
		if art.lang != lang || art.faq || seen[art.id] || strings.Contains(art.id, "human") {
			continue
		}
		seen[art.id] = true
		titles = append(titles, art.title)
	}
	sort.SliceStable(titles, func(i, j int) bool { return len([]rune(titles[i])) < len([]rune(titles[j])) })
	titles = titles[:min(n, len(titles))]
	for i, t := range titles {
		r, size := utf8.DecodeRuneInString(t)
		titles[i] = string(unicode.ToLower(r)) + t[size:]
	}
	if len(titles) < 2 {
		return strings.Join(titles, "")
	}
	and := map[string]string{"en": " and ", "es": " y ", "pt": " e "}[lang]
	return strings.Join(titles[:len(titles)-1], ", ") + and + titles[len(titles)-1]
}

// sharedTagFactor is what is left of the confidence when the question's
// topic words are only tags of two articles alike: too little for a sure
// answer however far the synonyms put one ahead.
const sharedTagFactor = 0.25

// sharedTag reports whether another article covers the question as well
// as top's and the question's topic words are, in both, only tags (not
// their title or heading): "do you do vouchers?" is a tag of the gift
// cards and of the discount codes alike, and the synonyms that favour one
// are no reason to be sure of it.
func (ix *index) sharedTag(hits []hit, top hit, q []qterm) bool {
	tagged := func(doc int) bool {
		d := &ix.docs[doc]
		n := 0
		for _, t := range q {
			if t.weight < 1 {
				continue
			}
			if !d.meta[t.term] || d.head[t.term] || d.title[t.term] {
				return false
			}
			n++
		}
		return n > 0
	}
	if !tagged(top.doc) {
		return false
	}
	id := ix.docs[top.doc].art.id
	for _, h := range hits {
		if ix.docs[h.doc].art.id != id && h.coverage >= top.coverage-coverageLead && tagged(h.doc) {
			return true
		}
	}
	return false
}
