package knowledge

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/trement/trement/internal/agent/internal/fold"
)

// Field weights: a word in an article's title, a section heading or a tag
// says more about what the passage answers than a word in its body.
const (
	titleWeight   = 2
	headingWeight = 2
	tagWeight     = 1
)

// Query-term weights for the ways a query term can reach the index.
const (
	fuzzyWeight   = 0.8 // an indexed word one or two edits away from a typo
	synonymWeight = 0.5 // another member of the term's synonym group
	// synonymCover is a synonym's weight in coverage (the confidence): a
	// business listed it as meaning the same, so an article that says
	// "conversations" answers "messages" nearly as surely, though in the
	// ranking the word itself still wins.
	synonymCover = 0.8
)

// Scoring constants, chosen on the sample knowledge base's questions.
const (
	// crossLangWeight discounts a match in a passage of another language
	// than the query's.
	crossLangWeight = 0.6
	// coordFloor is the part of a passage's score kept whatever its
	// coverage.
	coordFloor = 0.3
	// bodyWeight is the coverage credit of a word found only in a passage's
	// body, not in the title, heading or tags a person chose to describe it;
	// also the weight in coverage of a word no title, heading or tag uses.
	bodyWeight = 0.6
	// lightWeight weighs question words ("how", "when", "cuánto"): they tell
	// "how long" from "how much" but must not outweigh the topic.
	lightWeight = 0.4
	// unknownWeight weighs, in coverage, a query word found in no passage
	// (after typo correction and synonyms) against the rarest indexed word:
	// it is what keeps off-topic questions unanswered.
	unknownWeight = 1.0
)

// doc is an indexed passage.
type doc struct {
	art     *article
	sec     int // index into art.sections
	chunk   string
	wa      string // chunk in WhatsApp's formatting (whatsApp), rendered once
	heading string
	tf      map[string]int
	meta    map[string]bool // terms of the title, heading and tags
	head    map[string]bool // terms of the section heading
	title   map[string]bool // terms of the article title
	body    map[string]bool // terms of the passage's text
	// bound holds the terms that the passage uses only inside a compound
	// some article's tags name ("tarjeta" only in "tarjetas regalo",
	// "card" only in "gift card"), each with the compounds' other words.
	bound  map[string][]string
	length int
	period bool // the text states a period of time ("30 days")
	price  bool // the text states an amount of money ("€4.95")
	// Read once from the heading and text for passages (see there).
	problemHead bool // the heading states a problem (a negation)
	whyHead     bool // the heading asks why
	clock       bool // the text states a time of day ("10:00")
}

type posting struct {
	doc int
	tf  int
}

// index is an immutable BM25 index over passages of every language.
type index struct {
	k1, b     float64
	docs      []doc
	postings  map[string][]posting
	avgLen    float64
	maxIDF    float64
	synonyms  map[string][][]string // member's stems, space-joined → other members' stems
	maxPhrase int                   // longest member, in words

	// phrases maps the folded words of a fixed phrase (a synonym member
	// written "=contra reembolso"), space-joined, to the term that stands
	// for it; maxFixed is the longest, in words.
	phrases    map[string]string
	onePhrases []string // the one-word keys of phrases, sorted (phraseTypos)
	maxFixed   int

	meta         map[string]bool            // terms found in some title, heading or tags
	neutral      map[string]bool            // folded words that say nothing about the article (neutral.txt)
	neutralStems map[string]map[string]bool // language → the stems of neutral words
	places       map[string]bool            // folded place names no article uses (lexiconPlaces)
	surface      map[string][]string        // indexed word (folded) → its stems
	surfaceLang  map[string]map[string]bool // indexed word → the languages of the articles using it
	surfaceList  []string                   // keys of surface, sorted
	compounds    map[string][2]string       // two adjacent words of an article written as one ("mbway") → the two
	// names are the folded words an article writes capitalised within a
	// sentence ("Calle de la Aurora", "Rua das Flores", "Black Friday"):
	// a name is indexed as it is written, not stemmed, so that no
	// inflected word meets it ("call" is not "Calle").
	names     map[string]bool
	nameForms map[string][]string // a spelling → the names it reaches (see indexNames)
	// group is each passage's section (article id and section index, the
	// same in every language); groups lists the passages of each.
	group  []int
	groups [][]int
}

func newIndex(arts []article, synGroups [][]string, k1, b float64, maxChunk int) *index {
	ix := &index{k1: k1, b: b, postings: map[string][]posting{}, synonyms: map[string][][]string{}, surface: map[string][]string{}, surfaceLang: map[string]map[string]bool{}, compounds: map[string][2]string{}, meta: map[string]bool{},
		phrases: map[string]string{}, names: map[string]bool{}}
	for _, g := range synGroups {
		ix.addPhrases(g)
	}
	for k := range ix.phrases {
		if !strings.Contains(k, " ") {
			ix.onePhrases = append(ix.onePhrases, k)
		}
	}
	sort.Strings(ix.onePhrases)
	analyze := func(an *analyzer, text string, names map[string]bool) []string {
		folded := fold.Words(text)
		for i := 0; i+1 < len(folded); i++ {
			if j := folded[i] + folded[i+1]; len(j) >= 5 && !an.stop[folded[i]] && !an.stop[folded[i+1]] {
				ix.compounds[j] = [2]string{folded[i], folded[i+1]}
			}
		}
		words := ix.joinPhrases(folded)
		terms := an.terms(words)
		if len(names) > 0 {
			terms = terms[:0]
			for _, w := range words {
				if t := ix.nameTerm(an, w, names); t != "" {
					terms = append(terms, t)
				}
			}
		}
		for _, w := range words {
			if an.stop[w] || len(w) < 2 || isPhrase(w) {
				continue
			}
			st := an.stem(w)
			if names[w] {
				st = w
			}
			if !slices.Contains(ix.surface[w], st) {
				ix.surface[w] = append(ix.surface[w], st)
			}
			if ix.surfaceLang[w] == nil {
				ix.surfaceLang[w] = map[string]bool{}
			}
			ix.surfaceLang[w][an.lang] = true
		}
		return terms
	}
	// An article's compounds are the pairs of adjacent terms of its tags
	// of several words that its title says too: the compound is what the
	// article is about ("Gift cards", "¿Vendéis tarjetas regalo?"). Only a
	// compound whose head (the last word in English, the first in Spanish
	// and Portuguese) is alone another article's tag counts: "tarjeta"
	// alone is the payment methods' card, so a "tarjeta" without "regalo"
	// is not the gift card's.
	single := map[string]map[string]string{} // lang → one-word tag → article
	for ai := range arts {
		a := &arts[ai]
		an := analyzers[a.lang]
		if single[a.lang] == nil {
			single[a.lang] = map[string]string{}
		}
		for _, t := range a.tags {
			if ts := an.terms(fold.Words(t)); len(ts) == 1 {
				single[a.lang][ts[0]] = a.id
			}
		}
	}
	pairs := make([]map[[2]string]bool, len(arts))
	for ai := range arts {
		a := &arts[ai]
		an := analyzers[a.lang]
		title := an.terms(fold.Words(a.title))
		for _, t := range a.tags {
			ts := an.terms(fold.Words(t))
			for i := 0; i+1 < len(ts); i++ {
				k := [2]string{ts[i], ts[i+1]}
				if isPhrase(k[0]) || isPhrase(k[1]) || k[0] == k[1] {
					continue
				}
				head, mod := k[0], k[1]
				if a.lang == "en" {
					head, mod = k[1], k[0]
				}
				if other, ok := single[a.lang][head]; !ok || other == a.id {
					continue
				}
				for j := 0; j+1 < len(title); j++ {
					if title[j] == k[0] && title[j+1] == k[1] {
						if pairs[ai] == nil {
							pairs[ai] = map[[2]string]bool{}
						}
						pairs[ai][[2]string{head, mod}] = true
					}
				}
			}
		}
	}
	for ai := range arts {
		a := &arts[ai]
		an := analyzers[a.lang]
		title := analyze(an, a.title, nil)
		var tags []string
		var tagRuns [][]string
		for _, t := range a.tags {
			ts := analyze(an, t, nil)
			tags = append(tags, ts...)
			tagRuns = append(tagRuns, ts)
		}
		for si, s := range a.sections {
			heading := analyze(an, s.heading, nil)
			for _, chunk := range splitChunks(s.body, maxChunk) {
				d := doc{art: a, sec: si, chunk: chunk, wa: whatsApp(chunk), heading: s.heading, tf: map[string]int{}, meta: map[string]bool{},
					head: map[string]bool{}, body: map[string]bool{}, title: map[string]bool{}, period: statesPeriod(chunk), price: statesPrice(chunk)}
				hw := fold.Words(s.heading)
				d.problemHead, d.whyHead, d.clock = asks(hw, negationWords), asks(hw, whyWords), clockTime.MatchString(chunk)
				add := func(terms []string, w int, meta bool) {
					for _, t := range terms {
						if meta {
							d.meta[t] = true
							ix.meta[t] = true
						}
						d.tf[t] += w
						d.length += w
					}
				}
				if !a.faq { // an FAQ's title is its question, already the heading
					add(title, titleWeight, true)
				}
				add(heading, headingWeight, true)
				add(tags, tagWeight, true)
				body := analyze(an, chunk, ix.addNames(chunk))
				add(body, 1, false)
				for _, t := range heading {
					d.head[t] = true
				}
				for _, t := range title {
					d.title[t] = true
				}
				for _, t := range body {
					d.body[t] = true
				}
				d.bound = boundTerms(pairs[ai], slices.Concat([][]string{title, heading, body}, tagRuns))
				ix.docs = append(ix.docs, d)
			}
		}
	}
	gid := map[string]int{}
	for _, d := range ix.docs {
		key := d.art.id + "\x00" + strconv.Itoa(d.sec)
		g, ok := gid[key]
		if !ok {
			g = len(ix.groups)
			gid[key] = g
			ix.groups = append(ix.groups, nil)
		}
		ix.group = append(ix.group, g)
		ix.groups[g] = append(ix.groups[g], len(ix.group)-1)
	}
	total := 0
	for i, d := range ix.docs {
		total += d.length
		for t, n := range d.tf {
			ix.postings[t] = append(ix.postings[t], posting{doc: i, tf: n})
		}
	}
	if len(ix.docs) > 0 {
		ix.avgLen = float64(total) / float64(len(ix.docs))
	}
	for t := range ix.postings {
		ix.maxIDF = math.Max(ix.maxIDF, ix.idf(t))
	}
	for w := range ix.surface {
		ix.surfaceList = append(ix.surfaceList, w)
	}
	sort.Strings(ix.surfaceList)
	ix.indexNames()
	for _, g := range synGroups {
		ix.addSynonyms(g)
	}
	return ix
}

// addNeutral records words customers use for what the business sells
// ("trainers", "zapatillas", "casaco") or for time ("weeks"): a question
// about returning trainers is a question about returns. Without the list
// such a word, found in no article, counts against every answer as an
// unknown word does (see finish), which is what keeps off-topic questions
// ("a plumber") unanswered.
func (ix *index) addNeutral(words []string) {
	if ix.neutral == nil {
		ix.neutral = map[string]bool{}
	}
	if ix.neutralStems == nil {
		ix.neutralStems = map[string]map[string]bool{}
	}
	for _, w := range words {
		for _, f := range fold.Words(w) {
			ix.neutral[f] = true
			for lang, an := range analyzers {
				if ix.neutralStems[lang] == nil {
					ix.neutralStems[lang] = map[string]bool{}
				}
				ix.neutralStems[lang][an.stem(f)] = true
			}
		}
	}
}

// isNeutral reports whether folded word w, read by an, is a neutral word
// or another form of one ("camisolas" of "camisola") that no article has.
func (ix *index) isNeutral(an *analyzer, w string) bool {
	if ix.neutral[w] {
		return true
	}
	st := an.stem(w)
	return ix.neutralStems[an.lang][st] && ix.postings[st] == nil
}

// phraseMark starts the term of a fixed phrase; no folded word holds it.
const phraseMark = "\x01"

func isPhrase(term string) bool { return strings.HasPrefix(term, phraseMark) }

// fixedPhrase reports whether a synonym member is a fixed phrase
// ("=contra reembolso") and returns its text.
func fixedPhrase(member string) (string, bool) {
	if p, ok := strings.CutPrefix(strings.TrimSpace(member), "="); ok && strings.TrimSpace(p) != "" {
		return p, true
	}
	return member, false
}

// addPhrases records the fixed phrases of a synonym group. A fixed phrase
// means something its words do not: "contra reembolso" (cash on delivery)
// is a way to pay, not a refund, and "à cobrança" is not a charge. Where
// one occurs, in an article or a question, its words become one term
// shared by every fixed phrase of the group (see joinPhrases), so they
// neither reach the articles about "reembolso" nor are missed by the
// article that says "cash on delivery" in English. The phrase is matched on
// its folded words, stopwords included: "contra" is one.
func (ix *index) addPhrases(group []string) {
	term := ""
	for _, m := range group {
		p, ok := fixedPhrase(m)
		if !ok {
			continue
		}
		words := fold.Words(p)
		if len(words) == 0 {
			continue
		}
		if term == "" {
			term = phraseMark + strings.Join(words, " ")
		}
		ix.phrases[strings.Join(words, " ")] = term
		ix.maxFixed = max(ix.maxFixed, len(words))
	}
}

// phraseTerm is the term of group's fixed phrases, "" if it has none.
func (ix *index) phraseTerm(group []string) string {
	for _, m := range group {
		if p, ok := fixedPhrase(m); ok {
			if t := ix.phrases[strings.Join(fold.Words(p), " ")]; t != "" {
				return t
			}
		}
	}
	return ""
}

// joinPhrases replaces each fixed phrase in folded words, longest first,
// by its term.
func (ix *index) joinPhrases(words []string) []string {
	if len(ix.phrases) == 0 {
		return words
	}
	out := make([]string, 0, len(words))
	for i := 0; i < len(words); {
		n := min(ix.maxFixed, len(words)-i)
		for ; n > 0; n-- {
			if t, ok := ix.phrases[strings.Join(words[i:i+n], " ")]; ok {
				out = append(out, t)
				break
			}
		}
		if n == 0 {
			out = append(out, words[i])
			n = 1
		}
		i += n
	}
	return out
}

// addSynonyms records a group under every language's analysis of its
// members, since a group line is not tied to one language. Members are
// keyed by their space-joined stems, so a phrase ("how much") found in a
// query expands to the other members ("cost", "price") too. The fixed
// phrases of a group are one member, their term.
func (ix *index) addSynonyms(group []string) {
	pt := ix.phraseTerm(group)
	langs := []string{"en", "es", "pt"} // in order: an alternative's weight is its first group's
	// members[l][i] is the analysis of group member i under language l
	// (nil when it has no term); a member found in a question of one
	// language reaches the others as an article of any language writes
	// them: "buraco" in Portuguese reaches the English "hole".
	members := make([][][]string, len(langs))
	for li, lang := range langs {
		an := analyzers[lang]
		for _, m := range group {
			if _, ok := fixedPhrase(m); ok {
				continue
			}
			members[li] = append(members[li], ix.memberTerms(an, m))
		}
	}
	for li := range langs {
		for i, m := range members[li] {
			if len(m) == 0 {
				continue
			}
			key := strings.Join(m, " ")
			ix.maxPhrase = max(ix.maxPhrase, len(m))
			if _, ok := ix.synonyms[key]; !ok {
				ix.synonyms[key] = nil // a phrase of the group is read as one, whatever it reaches
			}
			add := func(o []string) {
				// An alternative no article has reaches nothing (see
				// finish): most of the built-in lexicon, in any one shop.
				if len(o) > 0 && ix.anyIndexed(o) && !slices.Equal(o, m) && !containsSeq(ix.synonyms[key], o) {
					ix.synonyms[key] = append(ix.synonyms[key], o)
				}
			}
			if pt != "" {
				add([]string{pt})
			}
			for lj := range langs {
				for j, o := range members[lj] {
					// Another language's reading of a phrase ("tarjeta de
					// crédito" in English) is not a phrase of it.
					if (j != i || lj != li) && (lj == li || len(o) == 1) {
						add(o)
					}
				}
			}
		}
	}
	if pt != "" {
		for li := range langs {
			for _, o := range members[li] {
				if len(o) > 0 && ix.anyIndexed(o) && !containsSeq(ix.synonyms[pt], o) {
					ix.synonyms[pt] = append(ix.synonyms[pt], o)
				}
			}
		}
	}
}

func containsSeq(list [][]string, s []string) bool {
	for _, l := range list {
		if slices.Equal(l, s) {
			return true
		}
	}
	return false
}

// anyIndexed reports whether some term of terms is in an article.
func (ix *index) anyIndexed(terms []string) bool {
	return slices.ContainsFunc(terms, func(t string) bool { return ix.postings[t] != nil })
}

// idf is the BM25 inverse document frequency, never negative.
func (ix *index) idf(t string) float64 {
	df := float64(len(ix.postings[t]))
	n := float64(len(ix.docs))
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

// qterm is one term of an analysed query and the index terms it reaches.
type qterm struct {
	term   string
	weight float64 // 1, or lightWeight for question words
	unit   bool    // a unit of time or a number word: no topic on its own
	alts   []alt
	idf    float64 // weight of the term in coverage
}

type alt struct {
	term   string
	weight float64 // in the score
	cover  float64 // in coverage: how surely the term says what the query word does
	part   bool    // one word of a phrase: the words found add up, in coverage
}

// expand maps folded query words to index terms under analyzer an: a word's
// own stem when indexed, otherwise the stems of the closest indexed words
// (typos); plus the members of the stem's synonym groups.
func (ix *index) expand(an *analyzer, words []string) []qterm {
	var stems []string
	seen := map[string]bool{}
	var out []qterm
	// A place beside a word for sending is where the parcel goes, not a
	// topic.
	ship := slices.ContainsFunc(words, func(w string) bool { return shipWords[w] })
	for _, w := range ix.joinPhrases(ix.splitCompounds(an, ix.phraseTypos(words))) {
		if isPhrase(w) {
			if !seen[w] {
				seen[w] = true
				stems = append(stems, w)
				q := qterm{term: w, weight: 1}
				if _, ok := ix.postings[w]; ok {
					q.alts = append(q.alts, alt{w, 1, 1, false})
				}
				out = append(out, ix.finish(q))
			}
			continue
		}
		w = an.word(w)
		if an.stop[w] || ix.isNeutral(an, w) || ship && ix.places[w] || (len(w) < 2 && !isDigit(w[0])) {
			continue
		}
		t := an.stem(w)
		if _, ok := ix.postings[t]; !ok && (periodUnits[w] || contextWords[w] || an.light[w] || an.filler(w)) {
			// A unit of time no article uses ("10 minutes ago") says
			// when, not what, "bought" what the customer did, and a
			// question word ("¿cuánto dura…?") how it is asked: no
			// unknown topic.
			continue
		}
		if _, ok := ix.postings[t]; !ok {
			// A stem the articles do not have may be a stemming miss
			// rather than a new word: "olvidó" read as "olv" while the
			// articles' "olvidado" gives "olvid", "bigger" for "big".
			for _, alt := range an.lighter(w) {
				if _, ok := ix.postings[alt]; ok {
					t = alt
					break
				}
			}
		}
		names := ix.nameAlts(w)
		if _, ok := ix.postings[t]; !ok && len(names) > 0 {
			t = names[0] // "Azores", "Calle": a name, as written
		}
		stems = append(stems, t)
		if seen[t] {
			continue
		}
		seen[t] = true
		q := qterm{term: t, weight: 1}
		// A number ("2", "30") tells little about the topic: "2 plus 2" is
		// not a delivery time.
		// So is a word for a price no article uses ("cheapest"): the
		// question's price cue finds what it asks (see searchCue).
		if an.light[w] || isDigit(w[0]) || periodNumbers[w] || priceWords[w] && ix.postings[t] == nil || contextWords[w] {
			q.weight = lightWeight
		}
		q.unit = periodUnits[w] || periodNumbers[w]
		for _, n := range names {
			if n != t {
				q.alts = append(q.alts, alt{n, 1, 1, false})
			}
		}
		if _, ok := ix.postings[t]; ok {
			q.alts = append(q.alts, alt{t, 1, 1, false})
		} else if len(names) == 0 {
			near := ix.closest(w)
			if len(near) == 0 {
				near = ix.compoundsOf(w)
			}
			for _, c := range ix.sameLang(near, an.lang) {
				for _, st := range ix.surface[c] {
					if !hasAlt(q.alts, st) {
						q.alts = append(q.alts, alt{st, fuzzyWeight, fuzzyWeight, false})
					}
				}
			}
		}
		out = append(out, ix.finish(q))
	}
	// Phrases of a synonym group become one more query term. A phrase of
	// topic words ("money back") is one concept, not two words and a
	// synonym: its words are searched as the phrase's alternatives and
	// count once, so "I cancelled, when is my money back?" weighs the
	// cancellation as much as the refund.
	merged := map[string]bool{}
	for n := 2; n <= ix.maxPhrase; n++ {
		for i := 0; i+n <= len(stems); i++ {
			key := strings.Join(stems[i:i+n], " ")
			if _, ok := ix.synonyms[key]; ok && !seen[key] {
				seen[key] = true
				q := qterm{term: key, weight: 1}
				// A word of the phrase no article has ("much" where the
				// shop writes "rates") is not an unknown topic: the
				// phrase says what it means.
				for _, st := range stems[i : i+n] {
					if j := slices.IndexFunc(out, func(t qterm) bool { return t.term == st }); j >= 0 && len(out[j].alts) == 0 {
						merged[st] = true
					}
				}
				for _, p := range topicTerms(out, stems[i:i+n]) {
					merged[p.term] = true
					for _, a := range p.alts {
						if !hasAlt(q.alts, a.term) {
							q.alts = append(q.alts, alt{a.term, a.weight / float64(n), a.cover / float64(n), true})
						}
					}
				}
				out = append(out, ix.finish(q))
			}
		}
	}
	if len(merged) > 0 {
		out = slices.DeleteFunc(out, func(t qterm) bool { return merged[t.term] })
	}
	return out
}

// topicTerms returns the query terms of a phrase's stems when every one is
// a topic word or a unit of time ("next day") found in some article (not a
// question word or an unknown word), else nil.
func topicTerms(out []qterm, stems []string) []qterm {
	var parts []qterm
	for _, st := range stems {
		i := slices.IndexFunc(out, func(t qterm) bool { return t.term == st })
		if i < 0 || out[i].weight < 1 && !out[i].unit || len(out[i].alts) == 0 {
			return nil
		}
		parts = append(parts, out[i])
	}
	return parts
}

// finish adds q's synonyms to its alternatives and sets its coverage
// weight. The words a typo was corrected to bring their synonyms too, at
// the correction's weight: "arive" reaches "delivery" as "arrive" does.
func (ix *index) finish(q qterm) qterm {
	from := []alt{{q.term, 1, 1, false}}
	for _, a := range q.alts {
		if a.weight < 1 {
			from = append(from, a)
		}
	}
	for _, f := range from {
		for _, syn := range ix.synonyms[f.term] {
			for _, s := range syn {
				if stopword(s) {
					continue // "de" of "tarjeta de crédito" read in English
				}
				if _, ok := ix.postings[s]; ok && !hasAlt(q.alts, s) {
					n := float64(len(syn))
					q.alts = append(q.alts, alt{s, f.weight * synonymWeight / n, f.cover * synonymCover / n, false})
				}
			}
		}
	}
	q.idf = ix.maxIDF * unknownWeight // a word found nowhere counts like a rare one
	if len(q.alts) > 0 {
		q.idf = 0
		for _, a := range q.alts {
			idf := ix.idf(a.term)
			if !ix.meta[a.term] {
				idf *= bodyWeight
			}
			q.idf = math.Max(q.idf, idf)
		}
	}
	q.idf *= q.weight
	return q
}

// destination returns, for a question about how long something takes,
// the word for delivery when a place beside a word for sending was left
// out of q as the destination: "how long does it take for an order to
// reach Valencia?" asks how long delivery there takes, and an article
// whose text only happens to say "reaches" (a refund) does not answer it.
func (ix *index) destination(an *analyzer, words []string, q []qterm) (qterm, bool) {
	if !slices.ContainsFunc(words, func(w string) bool { return shipWords[w] }) ||
		!slices.ContainsFunc(words, func(w string) bool { return ix.places[w] }) {
		return qterm{}, false
	}
	d := an.stem(destWords[an.lang])
	if ix.postings[d] == nil || slices.ContainsFunc(q, func(t qterm) bool { return t.term == d }) {
		return qterm{}, false
	}
	return ix.finish(qterm{term: d, weight: 1, alts: []alt{{d, 1, 1, false}}}), true
}

// stopword reports whether a term is a stopword of some language.
func stopword(t string) bool {
	for _, an := range analyzers {
		if an.stop[t] {
			return true
		}
	}
	return false
}

func hasAlt(alts []alt, t string) bool {
	for _, a := range alts {
		if a.term == t {
			return true
		}
	}
	return false
}

// closest returns the indexed words (before stemming, which mangles typos)
// at the smallest edit distance from w: one edit for words of 5 to 8
// letters, two from 9. Shorter words, numbers and words whose first letter
// differs are never corrected: those are where fuzzy matching turns
// unrelated words into false hits. At most three words are returned.
func (ix *index) closest(w string) []string {
	if len(w) < 5 || isDigit(w[0]) {
		return nil
	}
	maxD := 1
	if len(w) >= 9 {
		maxD = 2
	}
	best := maxD + 1
	var out []string
	for _, v := range ix.surfaceList {
		if v[0] != w[0] || abs(len(v)-len(w)) > maxD || len(v) < 4 {
			continue
		}
		d := osa(w, v, best)
		switch {
		case d > maxD:
		case d == 2 && abs(len(v)-len(w)) == 2:
			// Two letters left out are another word, not a typo:
			// "presidente" is not "presente".
		case d < best:
			best, out = d, append(out[:0], v)
		case d == best && len(out) < 3:
			out = append(out, v)
		}
	}
	return out
}

// phraseTypos corrects a word one edit away from a fixed phrase written
// as one word ("contrareembolso" for "contrarreembolso"): the phrase's
// term is what it means, and its letters meet no other indexed word.
// Where two phrases are one edit away, the first in sorted order wins, the
// same on every run.
func (ix *index) phraseTypos(words []string) []string {
	var out []string
	for i, w := range words {
		if len(w) < 8 || ix.surface[w] != nil || ix.phrases[w] != "" {
			continue
		}
		for _, k := range ix.onePhrases {
			if abs(len(k)-len(w)) <= 1 && osa(w, k, 2) <= 1 {
				if out == nil {
					out = slices.Clone(words)
				}
				out[i] = k
				break
			}
		}
	}
	if out == nil {
		return words
	}
	return out
}

// compoundsOf returns the indexed words that are w and another indexed
// word written as one: "knit" is the first half of "knitwear" ("wear"),
// "swim" of "swimwear". At most three, and only for w of four letters
// or more.
func (ix *index) compoundsOf(w string) []string {
	if len(w) < 4 || isDigit(w[0]) {
		return nil
	}
	var out []string
	i, _ := slices.BinarySearch(ix.surfaceList, w)
	for ; i < len(ix.surfaceList) && strings.HasPrefix(ix.surfaceList[i], w) && len(out) < 3; i++ {
		v := ix.surfaceList[i]
		if rest := v[len(w):]; len(rest) >= 3 && ix.surface[rest] != nil {
			out = append(out, v)
		}
	}
	return out
}

// splitCompounds writes as two words a word no article has that two
// adjacent words of an article make ("mbway" for "MB WAY", "applepay").
func (ix *index) splitCompounds(an *analyzer, words []string) []string {
	var out []string
	for i, w := range words {
		c, ok := ix.compounds[w]
		if !ok || ix.postings[an.stem(an.word(w))] != nil {
			if out != nil {
				out = append(out, w)
			}
			continue
		}
		if out == nil {
			out = append(make([]string, 0, len(words)+1), words[:i]...)
		}
		out = append(out, c[0], c[1])
	}
	if out == nil {
		return words
	}
	return out
}

// sameLang keeps the words of lang among typo corrections when there is
// one: "arive" in English is "arrive", not Portuguese "artigo" or "assim".
func (ix *index) sameLang(words []string, lang string) []string {
	var out []string
	for _, w := range words {
		if ix.surfaceLang[w][lang] {
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		return words
	}
	return out
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// osa is the optimal-string-alignment distance (Levenshtein plus adjacent
// transpositions) between a and b; it gives up with limit once every path
// is at least limit.
func osa(a, b string, limit int) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin >= limit {
			return limit
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// hit is a scored passage.
type hit struct {
	doc      int
	score    float64 // BM25, language-weighted and coordinated
	coverage float64 // weighted share of the query the passage contains
}

// search scores every passage containing a query term analysed in qlang.
// Matches in passages of another language count crossLangWeight: stems of
// different languages collide ("sentido" and "sent") more often than they
// translate. Passages in lang (the customer's) are boosted by langBoost,
// and scores are multiplied by a coordination factor so that a passage
// answering the whole question beats one repeating a single word.
// Results are sorted best first.
func (ix *index) search(q []qterm, qlang, lang string, langBoost float64) []hit {
	return ix.searchCue(q, qlang, lang, langBoost, timeCue{})
}

// searchCue is search for a question with a time cue: when it is answered
// by a period ("how long does a refund take?"), a passage that states one
// answers its question words ("how long", "cuánto tiempo") wherever they
// are written, and is preferred (periodBoost).
// boundWeight is what a passage's term counts for, in score and
// coverage, when the passage uses it only inside a compound whose other
// word the question does not say: the customer's "tarjeta" (the card they
// paid with) is not the shop's "tarjetas regalo".
const boundWeight = 0.3

func (ix *index) searchCue(q []qterm, qlang, lang string, langBoost float64, cue timeCue) []hit {
	scores := map[int]float64{}
	matched := map[int]float64{}
	lightMatched := map[int]float64{}
	var totalIDF, totalLight float64
	best := map[int]float64{}      // doc → best alt weight, for coverage
	parts := map[int]float64{}     // doc → the phrase's words found, for coverage
	termScore := map[int]float64{} // doc → the term's score
	pooled := make([]bool, len(ix.groups))
	// asked holds every term the question may mean, for the compounds: a
	// passage's bound term counts fully only beside one of its partners.
	asked := map[string]bool{}
	for _, t := range q {
		for _, a := range t.alts {
			for _, w := range strings.Fields(a.term) {
				asked[w] = true
			}
		}
	}
	for _, t := range q {
		totalIDF += t.idf
		if t.weight < 1 {
			totalLight += t.idf
		}
		clear(best)
		clear(parts)
		clear(termScore)
		for _, a := range t.alts {
			idf := ix.idf(a.term)
			for _, p := range ix.postings[a.term] {
				d := &ix.docs[p.doc]
				w := a.weight * t.weight
				if d.art.lang != qlang {
					w *= crossLangWeight
				}
				headOnly := d.bound[a.term] != nil && !slices.ContainsFunc(d.bound[a.term], func(m string) bool { return asked[m] })
				if headOnly {
					w *= boundWeight
				}
				tf := float64(p.tf)
				norm := ix.k1 * (1 - ix.b + ix.b*float64(d.length)/ix.avgLen)
				termScore[p.doc] += w * idf * tf * (ix.k1 + 1) / (tf + norm)
				c := a.cover
				if d.art.lang != qlang {
					c *= crossLangWeight
				}
				switch {
				case d.meta[a.term]:
				case t.weight < 1:
					// A question word in running text ("en cuanto
					// llegue") is not the question: it counts in
					// coverage only where a heading, title or tag says it.
					c = 0
				case ix.meta[a.term]:
					// Another passage names it in a heading: this one
					// only mentions it.
					c *= bodyWeight
				}
				if headOnly {
					c *= boundWeight
				}
				if a.part {
					parts[p.doc] += c
					continue
				}
				best[p.doc] = math.Max(best[p.doc], c)
			}
		}
		for d, c := range parts {
			best[d] = math.Max(best[d], c)
		}
		ix.pool(best, termScore, qlang, pooled)
		for d, s := range termScore {
			scores[d] += s
		}
		for d, w := range best {
			matched[d] += w * t.idf
			if t.weight < 1 {
				lightMatched[d] += w * t.idf
			}
		}
	}
	hits := make([]hit, 0, len(scores))
	for d, s := range scores {
		h := hit{doc: d}
		if cue.period() && ix.docs[d].period {
			s *= periodBoost
			// "How long does it take", "how long do I have": the period
			// is the answer to "how long".
			matched[d] += periodCover * (totalLight - lightMatched[d])
		}
		if cue.price && ix.docs[d].price {
			s *= priceBoost
			// "How much", "the cheapest": the amount is the answer.
			matched[d] += periodCover * (totalLight - lightMatched[d])
		}
		if totalIDF > 0 {
			h.coverage = matched[d] / totalIDF
		}
		if ix.docs[d].art.lang == lang {
			s *= langBoost
		}
		h.score = s * (coordFloor + (1-coordFloor)*h.coverage)
		hits = append(hits, h)
	}
	sortHits(hits)
	return hits
}

// pool gives each passage what its translations say of one query term:
// the same section of the same article in the other languages, where the
// writer may have chosen other words ("came off" in English, "descolou"
// in Portuguese, nothing in Spanish). A translation's match counts as it
// does for the translation, discounted already when it is in another
// language than the question; best (coverage) and score are per doc.
// Only the passages in the question's language are credited: a
// translation in a third language does not say the word either.
//
// seen is scratch space, one flag per group, left all false.
func (ix *index) pool(best, score map[int]float64, qlang string, seen []bool) {
	var groups []int
	for d := range best {
		if g := ix.group[d]; !seen[g] {
			seen[g] = true
			groups = append(groups, g)
		}
	}
	for _, g := range groups {
		seen[g] = false
		var bc, bs float64
		for _, d := range ix.groups[g] {
			bc, bs = max(bc, best[d]), max(bs, score[d])
		}
		for _, d := range ix.groups[g] {
			if ix.docs[d].art.lang != qlang {
				continue
			}
			if best[d] < bc {
				best[d] = bc
			}
			if score[d] < bs {
				score[d] = bs
			}
		}
	}
}

// sortHits sorts hits best first.
func sortHits(hits []hit) {
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].score != hits[j].score {
			return hits[i].score > hits[j].score
		}
		return hits[i].doc < hits[j].doc // deterministic across runs
	})
}

// splitChunks splits a section body longer than max into paragraph groups.
func splitChunks(body string, max int) []string {
	if len(body) <= max {
		return []string{body}
	}
	var out []string
	var cur strings.Builder
	for _, p := range strings.Split(body, "\n\n") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if cur.Len() > 0 && cur.Len()+2+len(p) > max {
			out = append(out, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteString("\n\n")
		}
		cur.WriteString(p)
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// queryWords folds a customer message, dropping redaction placeholders such
// as [EMAIL_1]: they carry no meaning for retrieval.
func queryWords(msg string) []string {
	return fold.Words(placeholder.ReplaceAllString(msg, " "))
}

// boundTerms returns the terms of runs (a passage's title, heading, text
// and tags, as term sequences) found only beside a word they are the head
// of in pairs (head, modifier), each with those words: "tarjet" is bound
// to "regal" in a passage that only speaks of "tarjetas regalo".
func boundTerms(pairs map[[2]string]bool, runs [][]string) map[string][]string {
	free := map[string]bool{}
	partners := map[string][]string{}
	for _, run := range runs {
		for i, t := range run {
			var with []string
			if i > 0 && pairs[[2]string{t, run[i-1]}] {
				with = append(with, run[i-1])
			}
			if i+1 < len(run) && pairs[[2]string{t, run[i+1]}] {
				with = append(with, run[i+1])
			}
			if len(with) == 0 {
				free[t] = true
				continue
			}
			for _, w := range with {
				if !slices.Contains(partners[t], w) {
					partners[t] = append(partners[t], w)
				}
			}
		}
	}
	for t := range partners {
		if free[t] {
			delete(partners, t)
		}
	}
	if len(partners) == 0 {
		return nil
	}
	return partners
}
