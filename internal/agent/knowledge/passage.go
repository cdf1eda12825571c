package knowledge

import (
	"regexp"
	"slices"
	"strings"
)

// Retrieval picks the article; the answer is the passage of that article
// the question is about. BM25 over passages rewards a short passage that
// repeats a query word ("tarjeta" three times in "Is paying safe?"), which
// is how "can I pay by card?" used to get the safety paragraph instead of
// the list of accepted cards. So, once the article is known, its passages
// are ranked again on what a person would look at:
//
//   - each query term found in the passage's heading counts twice, found in
//     its text once (presence, not frequency), weighted by IDF;
//   - a question about a rule or a price ("return policy", "how much")
//     prefers a passage with numbers in it (€4.95), and one about a
//     deadline or a duration ("how long", "¿hasta cuándo…?") a passage
//     that states a period (30 days; see sense.go);
//   - a question about options ("can I pay with…", "do you accept…",
//     "which…") prefers a passage that lists them;
//   - the article's first passage wins ties: writers put the main answer
//     first.
//
// When a second passage of the article scores nearly as well, both are
// joined (if the answer stays within MaxChars), so a question that spans
// two sections is answered whole.
const (
	headPresence   = 2.0
	bodyPresence   = 1.0
	numbersBonus   = 0.25 // share of the best possible score
	listBonus      = 0.25
	leadBonus      = 0.05
	joinRatio      = 0.8 // a second passage this close to the best is joined
	minPassageHits = 0.2 // below this share the retrieval's pick stands
)

var (
	ruleCues = set(`policy policies rule rules conditions condition terms politica politicas norma normas
		condiciones condicoes regra regras prazo prazos plazo plazos deadline long days dias tiempo tempo
		tarda demora limit limite cost costs price fee cuesta custa precio preco`)
	optionCues = set(`accept accepted aceptan aceptais aceptas acepta aceitam aceita aceitas which cuales cual
		quais qual methods method metodos metodo formas forma options opciones opcoes with con com by`)
)

// A heading that states a problem ("My tracking number does not work",
// "El paquete figura como entregado pero no lo tengo") answers a customer
// who has that problem, not one who asks how a thing is done ("how can I
// track my package?"): it is chosen only for a question that states one
// too, in a negation ("I never got", "no encuentro", "não chegou").
// A question asking why ("why is it late?", "¿por qué tarda?", "porque é
// que está a demorar?") prefers the passage whose heading asks why, and
// one asking when does not get it ("quando chega a encomenda?").
var (
	negationWords = set(`not no never nothing nobody none don doesn didn isn aren wasn weren hasn haven hadn t cant cannot wont
		nunca nada ni ningun ninguno ninguna nadie tampoco
		nao nem nenhum nenhuma ninguem`)
	whyWords = set(`why porque porq xq pq`)
	// askWhen are the words asking when, which a period answers, not a
	// reason (words are folded: no accents).
	askWhen = set(`when wen cuando quando qdo qnd qndo cdo`)
)

// A question about opening or a day of the week ("are you open on
// Sunday?", "¿a qué hora abrís?", "a loja está aberta ao domingo?") is
// answered by a passage stating times of day (10:00).
var (
	clockWords = set(`open opens opening close closes closing closed hours
		monday tuesday wednesday thursday friday saturday sunday sundays weekend
		abierto abierta abre abren abris cierra cierran cerrado cerrada horario horarios
		lunes martes miercoles jueves viernes sabado domingo domingos
		aberto aberta abre abrem fecha fecham fechado fechada encerrado encerrada horario horarios
		segunda terca quarta quinta sexta`)
	clockTime = regexp.MustCompile(`\b[0-2]?[0-9]:[0-5][0-9]\b`)
)

const (
	problemPenalty = 0.3  // share taken from a problem heading for a question stating none
	whyBonus       = 0.25 // share added to a "why" heading for a "why" question
)

// asks reports whether the folded words hold a word of set, or, for the
// Spanish and Portuguese "por qué"/"por que", the two words in a row.
func asks(words []string, set map[string]bool) bool {
	for i, w := range words {
		if set[w] {
			return true
		}
		if i+1 < len(words) && w == "por" && words[i+1] == "que" && set["porque"] {
			return true
		}
	}
	return false
}

// cues reports whether the folded question words ask about a rule (or a
// time) and about options.
func cues(words []string) (rule, options bool) {
	for _, w := range words {
		rule = rule || ruleCues[w]
		options = options || optionCues[w]
	}
	return rule, options
}

// passageShare ranks doc i for the query terms q (see above): the share of
// the best possible score its words get, and the bonuses added to it.
func (ix *index) passageShare(i int, q []qterm, rule, options, period bool) (share, bonus float64) {
	d := &ix.docs[i]
	var got, total float64
	for _, t := range q {
		total += t.idf * headPresence
		var h, b float64
		for _, a := range t.alts {
			if d.head[a.term] {
				h = max(h, a.weight)
			}
			if d.body[a.term] {
				b = max(b, a.weight)
			}
		}
		got += t.idf * max(h*headPresence, b*bodyPresence, min(h, b)*(headPresence+bodyPresence)/1.5)
	}
	if total == 0 {
		return 0, 0
	}
	if rule && hasNumber(d.chunk) || period && d.period {
		bonus += numbersBonus
	}
	if options && isList(d.chunk) {
		bonus += listBonus
	}
	if d.sec == 0 {
		bonus += leadBonus
	}
	return got / total, bonus
}

func hasNumber(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r >= '0' && r <= '9' })
}

// isList reports whether a passage enumerates things: bullet lines, several
// bold items, or a comma-separated run.
func isList(s string) bool {
	bullets := 0
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "- ") || strings.HasPrefix(l, "* ") {
			bullets++
		}
	}
	return bullets >= 2 || strings.Count(s, "**") >= 6 || strings.Count(s, ",") >= 3
}

// passages returns the passages (doc indices, in article order) that answer
// q from article id in lang: the best by passageShare and, when close, the
// runner-up.
func (a *Agent) passages(id, lang string, q []qterm, words []string, cue timeCue, fallback int) []int {
	docs := a.byLang[id+"\x00"+lang]
	if len(docs) <= 1 {
		return []int{fallback}
	}
	rule, options := cues(words)
	// A question answered by a period (a deadline, a duration) is answered
	// by a passage that states one, when one of them speaks to it at all:
	// "how do I return an item?" is a nearer heading than "Conditions" for
	// "until when can I return it?", but only the conditions say 21 days.
	scores := make(map[int]float64, len(docs))
	pmax := -1.0 // the best score of a passage stating a period that the question reaches
	negative, why, when := asks(words, negationWords), asks(words, whyWords), asks(words, askWhen)
	clock := asks(words, clockWords)
	for _, i := range docs {
		share, bonus := a.ix.passageShare(i, q, rule && !cue.period(), options, cue.period())
		d := &a.ix.docs[i]
		if !negative && d.problemHead {
			bonus -= problemPenalty
		}
		if clock && d.clock {
			bonus += numbersBonus
		}
		switch whyHead := d.whyHead; {
		case why && whyHead:
			bonus += whyBonus
		case when && !negative && whyHead:
			// "Why is my order late?" answers a complaint, not "when
			// do you send orders?".
			bonus -= problemPenalty
		}
		scores[i] = share + bonus
		if cue.period() && a.ix.docs[i].period && share > 0 {
			pmax = max(pmax, scores[i])
		}
	}
	best, second := -1, -1
	for _, i := range docs {
		if pmax >= 0 && !a.ix.docs[i].period {
			scores[i] = min(scores[i], pmax*joinRatio) // joined to the period when close, never ahead of it
		}
		switch {
		case best < 0 || scores[i] > scores[best]:
			best, second = i, best
		case second < 0 || scores[i] > scores[second]:
			second = i
		}
	}
	if scores[best] < minPassageHits {
		return []int{fallback}
	}
	out := []int{best}
	if second >= 0 && scores[second] >= joinRatio*scores[best] &&
		len([]rune(a.ix.docs[best].chunk))+len([]rune(a.ix.docs[second].chunk))+len(a.ix.docs[best].art.title)+4 <= a.opts.MaxChars {
		out = append(out, second)
		slices.Sort(out) // docs of an article are indexed in article order
	}
	return out
}
