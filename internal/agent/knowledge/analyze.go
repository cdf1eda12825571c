package knowledge

import (
	"strings"
	"sync"

	"github.com/trement/trement/internal/agent/internal/fold"
)

// An analyzer turns text into index terms: folded words, stopwords removed,
// suffixes stripped. Each language has its own stopwords and stemmer; the
// stemmers are deliberately light (plurals, gender, common verb and noun
// endings) because a small knowledge base gains little from aggressive
// stemming and loses precision, and because cognates then meet across
// languages ("devolución", "devolução" → "devolv", as "devolver": the
// -olución nouns meet their -olver verbs).

// minStem is the shortest stem a suffix rule may leave.
const minStem = 3

type suffixRule struct {
	suffix, repl string
}

// stripFirst applies the first rule whose suffix w ends with, if the stem
// left is at least minStem bytes long.
func stripFirst(w string, rules []suffixRule) string {
	for _, r := range rules {
		if strings.HasSuffix(w, r.suffix) && len(w)-len(r.suffix) >= minStem {
			return w[:len(w)-len(r.suffix)] + r.repl
		}
	}
	return w
}

func isVowel(c byte) bool { return strings.IndexByte("aeiou", c) >= 0 }

// undouble turns "shipp" into "ship" after "-ing"/"-ed" were removed.
func undouble(w string) string {
	n := len(w)
	if n >= 4 && w[n-1] == w[n-2] && !isVowel(w[n-1]) && strings.IndexByte("sz", w[n-1]) < 0 {
		return w[:n-1]
	}
	return w
}

// irregularEN maps irregular past forms to their verb, which suffix rules
// cannot reach: "I paid twice" is about paying, "it came broken" about
// things that break.
var irregularEN = pairs(`paid:pay sent:send kept:keep lost:lose bought:buy came:come took:take taken:take
	broke:break broken:break tore:tear torn:tear wore:wear worn:wear sold:sell found:find brought:bring
	went:go gone:go told:tell chose:choose chosen:choose spent:spend ran:run wrote:write written:write
	fell:fall fallen:fall stole:steal stolen:steal shrank:shrink shrunk:shrink`)

func stemEN(w string) string {
	if base, ok := irregularEN[w]; ok {
		w = base
	}
	if len(w) <= 3 {
		return w
	}
	switch {
	case strings.HasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "ches"), strings.HasSuffix(w, "shes"), strings.HasSuffix(w, "xes"), strings.HasSuffix(w, "zes"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		w = w[:len(w)-1]
	}
	before := w
	w = stripFirst(w, []suffixRule{
		{"ational", "ate"}, {"ation", ""}, {"ition", ""}, {"tion", "t"}, {"ability", ""}, {"ibility", ""}, {"able", ""}, {"ible", ""},
		{"ness", ""}, {"ful", ""},
		{"ments", ""}, {"ment", ""}, {"ingly", ""}, {"edly", ""}, {"ly", ""},
		{"ing", ""}, {"ed", ""},
	})
	if w != before {
		w = undouble(w)
	}
	// "delivery"/"deliver", "policy"/"polic": a final consonant+y goes.
	if n := len(w); n > 4 && w[n-1] == 'y' && !isVowel(w[n-2]) {
		w = w[:n-1]
	}
	// "damage"/"damag(ed)": a final silent e goes.
	if n := len(w); n > 4 && w[n-1] == 'e' {
		w = w[:n-1]
	}
	return w
}

var (
	esPlural = []suffixRule{
		{"ciones", "cion"}, {"siones", "sion"},
		{"les", "l"}, {"nes", "n"}, {"res", "r"}, {"des", "d"}, {"ses", "s"}, {"ces", "z"},
		{"s", ""},
	}
	esDeriv = []suffixRule{
		{"amente", ""}, {"mente", ""}, {"aciones", ""}, {"acion", ""}, {"icion", ""}, {"olucion", "olv"}, {"ucion", "u"}, {"cion", ""}, {"sion", ""},
		{"imiento", ""}, {"amiento", ""}, {"able", ""}, {"ible", ""}, {"abl", ""}, {"ibl", ""},
	}
	// esConj are conjugated endings that end in -s and would otherwise be
	// taken for a plural: "enviamos", "guardáis", "hicisteis". They are
	// tried before the plural, on the whole word. The -ía imperfect
	// ("teníamos") is left out: with accents folded it reads as an -iar
	// verb ("enviamos", "cambian"), far more common in a shop's questions.
	esConj = []suffixRule{
		{"ariamos", ""}, {"eriamos", ""}, {"iriamos", ""}, {"aremos", ""}, {"eremos", ""}, {"iremos", ""},
		{"abamos", ""}, {"asteis", ""}, {"isteis", ""}, {"abais", ""},
		{"areis", ""}, {"ereis", ""}, {"ireis", ""}, {"amos", ""}, {"emos", ""}, {"imos", ""}, {"ais", ""}, {"eis", ""},
	}
	esVerb = []suffixRule{
		{"iendo", ""}, {"ando", ""}, {"ados", ""}, {"adas", ""}, {"idos", ""}, {"idas", ""},
		{"arian", ""}, {"erian", ""}, {"irian", ""}, {"aron", ""}, {"ieron", ""}, {"aban", ""},
		{"aran", ""}, {"eran", ""}, {"iran", ""}, {"aste", ""}, {"iste", ""},
		{"ado", ""}, {"ada", ""}, {"ido", ""}, {"ida", ""}, {"ar", ""}, {"er", ""}, {"ir", ""},
		{"an", ""}, {"en", ""},
	}
	// esClitic are the object pronouns Spanish writes onto an infinitive or
	// a gerund: "comprarlo", "moverse", "devolvérmelo".
	esClitic = []string{"selas", "selos", "sela", "selo", "melas", "melos", "mela", "melo", "telo", "tela",
		"nos", "los", "las", "les", "me", "te", "se", "lo", "la", "le"}
	ptPlural = []suffixRule{
		{"coes", "cao"}, {"soes", "sao"}, {"oes", "ao"}, {"aes", "ao"}, {"ns", "m"},
		{"ais", "al"}, {"eis", "el"}, {"ois", "ol"},
		{"res", "r"}, {"zes", "z"}, {"ses", "s"}, {"les", "l"},
		{"s", ""},
	}
	ptDeriv = []suffixRule{
		{"amente", ""}, {"mente", ""}, {"acao", ""}, {"icao", ""}, {"olucao", "olv"}, {"ucao", "u"}, {"cao", ""}, {"sao", ""},
		{"imento", ""}, {"amento", ""}, {"avel", ""}, {"ivel", ""},
	}
	// ptConj: as esConj. Portuguese "-ais" and "-eis" are left to the
	// plural ("materiais", "papéis"): the vós forms are rarely written.
	ptConj = []suffixRule{
		{"ariamos", ""}, {"eriamos", ""}, {"iriamos", ""}, {"aremos", ""}, {"eremos", ""}, {"iremos", ""},
		{"avamos", ""}, {"amos", ""}, {"emos", ""}, {"imos", ""},
	}
	ptVerb = []suffixRule{
		{"endo", ""}, {"indo", ""}, {"ando", ""}, {"ados", ""}, {"adas", ""}, {"idos", ""}, {"idas", ""},
		{"ariam", ""}, {"eriam", ""}, {"iriam", ""}, {"aram", ""}, {"eram", ""}, {"iram", ""}, {"avam", ""},
		{"arao", ""}, {"erao", ""}, {"irao", ""},
		{"ado", ""}, {"ada", ""}, {"ido", ""}, {"ida", ""}, {"ar", ""}, {"er", ""}, {"ir", ""},
		{"am", ""}, {"em", ""}, {"ou", ""}, {"eu", ""}, {"iu", ""},
	}
)

// hasVowel reports whether s holds a vowel: a suffix rule must not leave a
// stem of consonants ("tr" of "tren"), where unrelated words meet.
func hasVowel(s string) bool { return strings.ContainsAny(s, "aeiou") }

// stripVerb is stripFirst for conjugated endings, which are short and
// common enough in nouns ("origen", "plan") that the stem left must also
// hold a vowel.
func stripVerb(w string, rules []suffixRule) string {
	for _, r := range rules {
		if strings.HasSuffix(w, r.suffix) && len(w)-len(r.suffix) >= minStem && hasVowel(w[:len(w)-len(r.suffix)]) {
			return w[:len(w)-len(r.suffix)] + r.repl
		}
	}
	return w
}

// stripClitic removes a pronoun written onto an infinitive or gerund
// ("comprarlo" → "comprar", "moviéndose" → "moviendo"); nothing else ends
// in -arlo or -ándose often enough to matter.
func stripClitic(w string, clitics []string) string {
	for _, c := range clitics {
		if !strings.HasSuffix(w, c) {
			continue
		}
		base := w[:len(w)-len(c)]
		for _, e := range []string{"ar", "er", "ir", "ando", "iendo"} {
			if strings.HasSuffix(base, e) && len(base)-len(e) >= minStem {
				return base
			}
		}
	}
	return w
}

// stemRomance is the shared shape of the Spanish and Portuguese stemmers:
// a pronoun written onto the verb, then either an -s ending conjugation
// ("enviamos") or the plural, then one derivational or verbal ending, then
// the gender vowel. Nouns and the verbs they come from meet: "envío",
// "envíos", "enviar", "enviamos", "envían" → "envi".
func stemRomance(w string, plural, deriv, conj, verb []suffixRule, clitics []string) string {
	if len(w) <= 3 {
		return w
	}
	w = stripClitic(w, clitics)
	if c := stripVerb(w, conj); c != w {
		return c
	}
	w = stripFirst(w, plural)
	if d := stripFirst(w, deriv); d != w {
		w = d
	} else {
		w = stripVerb(w, verb)
	}
	if n := len(w); n > minStem && (w[n-1] == 'a' || w[n-1] == 'o' || w[n-1] == 'e') {
		w = w[:n-1]
	}
	return w
}

func stemES(w string) string {
	return undiphthong(stemRomance(w, esPlural, esDeriv, esConj, esVerb, esClitic))
}

// undiphthong undoes the Spanish diphthongs of a stressed stem, o → ue
// ("devuelvo", "cuesta", "muevo" → "devolv", "cost", "mov") and e → ie
// ("recomiendo", "tiene", "cierra" → "recomend", "ten", "cerr"), so a
// verb's forms meet its infinitive and its nouns ("coste"). Only the
// stem's last vowel, after a consonant, is one: in "que" and "gue" the u
// is spelling, and "tiempo" becomes "temp" on both sides of the index
// alike.
func undiphthong(st string) string {
	for _, d := range []struct{ from, to string }{{"ue", "o"}, {"ie", "e"}} {
		i := strings.LastIndex(st, d.from)
		if i < 1 || strings.IndexByte("qgaeiou", st[i-1]) >= 0 || i+2 == len(st) {
			continue
		}
		last := true
		for j := i + 2; j < len(st); j++ {
			last = last && !isVowel(st[j])
		}
		if last {
			return st[:i] + d.to + st[i+2:]
		}
	}
	return st
}
func stemPT(w string) string { return stemRomance(w, ptPlural, ptDeriv, ptConj, ptVerb, nil) }

// lighter returns other stems w may have when its stem is not indexed: the
// plural and gender endings alone taken off (a Spanish preterite "olvidó"
// folds to "olvido", which the participle rule cuts to "olv"), and in
// English a comparative or superlative ending ("bigger", "cheapest").
func (a *analyzer) lighter(w string) []string {
	var out []string
	switch a.lang {
	case "en":
		for _, suf := range []string{"est", "er"} {
			if b, ok := strings.CutSuffix(w, suf); ok && len(b) >= minStem {
				out = append(out, a.stem(undouble(b)), a.stem(b+"e"))
			}
		}
	default:
		plural := esPlural
		if a.lang == "pt" {
			plural = ptPlural
		}
		b := stripFirst(w, plural)
		if n := len(b); n > minStem && strings.IndexByte("aoe", b[n-1]) >= 0 {
			b = b[:n-1]
		}
		out = append(out, b)
		if a.lang == "es" {
			out = append(out, undiphthong(b))
			// The spelling of a preterite's first person: "pagué",
			// "apliqué", "empecé" are "pagar", "aplicar", "empezar".
			for _, sp := range []suffixRule{{"gue", "g"}, {"que", "c"}, {"ce", "z"}} {
				if c, ok := strings.CutSuffix(w, sp.suffix); ok && len(c) >= minStem-1 {
					out = append(out, c+sp.repl)
				}
			}
		}
		// The e → i of a stressed stem ("sigo", "pido", "mido" for
		// "seguir", "pedir", "medir"), with the spelling of g before e.
		if st := a.stem(w); strings.Contains(st, "i") {
			i := strings.LastIndexByte(st, 'i')
			e := st[:i] + "e" + st[i+1:]
			out = append(out, e)
			if strings.HasSuffix(e, "g") {
				out = append(out, e+"u")
			}
		}
	}
	return out
}

type analyzer struct {
	lang    string
	stop    map[string]bool
	stem    func(string) string
	light   map[string]bool   // question words, kept but weighed down
	fillers map[string]bool   // stems of stop and light words (see filler)
	chat    map[string]string // chat spellings → the word ("xq" → "porque")
}

var analyzers = map[string]*analyzer{
	"en": {lang: "en", stop: set(stopEN), stem: stemEN, light: set(lightEN), chat: pairs(chatEN)},
	"es": {lang: "es", stop: set(stopES), stem: stemES, light: set(lightES), chat: pairs(chatES)},
	"pt": {lang: "pt", stop: set(stopPT), stem: stemPT, light: set(lightPT), chat: pairs(chatPT)},
}

// Chat spellings: abbreviations and contractions typed without their
// apostrophe. Left as they are, they are words no article has, and an
// unknown word counts against every answer (it is what keeps off-topic
// questions unanswered), so "wheres my parcel" or "xq tarda tanto" would go
// unanswered. Each is read as the word it stands for, which then is a
// stopword or a search term like any other. They are per language: "to"
// is "estou" only in Portuguese.
const (
	chatEN = `wheres:where whens:when hows:how whats:what wats:what wat:what wen:when whn:when wher:where
		doesnt:doesn dont:don didnt:didn isnt:isn arent:aren wasnt:wasn werent:wasn hasnt:has havent:have hadnt:had
		cant:can couldnt:could wont:will wouldnt:would shouldnt:should ive:have youre:you thats:that theres:there
		ur:your ure:you bc:because cuz:because coz:because tmrw:tomorrow tmr:tomorrow msg:message msgs:messages
		u:you r:are ya:you yr:your y:why wht:what hw:how abt:about bout:about thru:through tho:though b4:before
		pls:please plz:please pl:please thx:thanks tnx:thanks info:information pic:picture pics:pictures
		pkg:package addr:address acct:account acc:account pwd:password pw:password nr:number
		wanna:want gonna:going gotta:have hv:have hav:have shd:should cld:could wud:would wd:would
		ppl:people sth:something smth:something smthg:something bday:birthday 2day:today 2morrow:tomorrow
		tmrrw:tomorrow wk:week wknd:weekend thnx:thanks dunno:know`
	chatES = `q:que k:que xq:porque pq:porque porq:porque xk:porque tb:tambien tmb:tambien tbn:tambien d:de
		x:por xa:para pa:para toy:estoy sta:esta cdo:cuando qndo:cuando dnd:donde xfa:favor xfavor:favor msj:mensaje
		msjs:mensajes hr:hora hrs:horas
		ke:que xk:porque cto:cuanto cnd:cuando kndo:cuando dnde:donde
		tmbn:tambien tambn:tambien xo:pero pf:por_favor porfa:por_favor porfis:por_favor xfis:por_favor
		dsp:despues dps:despues nd:nada bn:bien mñn:manana mnn:manana kiero:quiero kieres:quieres aki:aqui
		info:informacion grax:gracias finde:fin_de_semana fds:fin_de_semana tlf:telefono tfno:telefono
		num:numero nro:numero`
	chatPT = `q:que vc:voce vcs:voces pq:porque porq:porque tb:tambem tbm:tambem pra:para pro:para ta:esta to:estou
		qdo:quando qnd:quando qndo:quando td:tudo hj:hoje msg:mensagem msgs:mensagens obg:obrigado n:nao
		nao:nao hr:hora hrs:horas cade:onde
		qto:quanto qnto:quanto qt:quanto qnt:quanto qtos:quantos qts:quantos qtas:quantas
		p:para mt:muito mto:muito mta:muita mtos:muitos msm:mesmo dps:depois qq:qualquer qqr:qualquer
		oq:o_que vdd:verdade blz:beleza obgd:obrigado obgda:obrigada agr:agora tou:estou kd:onde
		cmg:comigo pfv:por_favor pf:por_favor sff:se_faz_favor info:informacao tlm:telemovel tlf:telefone
		fds:fim_de_semana nr:numero`
)

func pairs(s string) map[string]string {
	m := make(map[string]string)
	for _, f := range strings.Fields(s) {
		if k, v, ok := strings.Cut(f, ":"); ok {
			m[k] = v
		}
	}
	return m
}

// A chat spelling must not be a word of its language: articles are read
// through the table too, and the Portuguese "num" (em + um) or the Spanish
// "cta" (cuenta) would vanish from the index.

// spell reads the chat spellings of a question as the words they stand
// for, before anything else reads it: phrases ("qto custa" is "quanto
// custa"), the question's cues and its terms. A spelling may stand for
// several words ("fds": "fim de semana"). It returns words itself when no
// word is a chat spelling.
func (a *analyzer) spell(words []string) []string {
	var out []string
	for i, w := range words {
		v, ok := a.chat[w]
		if !ok || v == w {
			if out != nil {
				out = append(out, w)
			}
			continue
		}
		if out == nil {
			out = append(make([]string, 0, len(words)+2), words[:i]...)
		}
		out = append(out, strings.Split(v, "_")...)
	}
	if out == nil {
		return words
	}
	return out
}

// word reads a chat spelling as the word it stands for.
func (a *analyzer) word(w string) string {
	if v, ok := a.chat[w]; ok && !strings.Contains(v, "_") {
		return v
	}
	return w
}

// Question words that do not tell topics apart on their own ("how",
// "cuánto": how long or how much?) and verbs of asking. They are kept, as
// they still separate "how long does delivery take" from other questions,
// but weigh less than the topic. "When" is one: a heading or a tag that
// asks "when" ("when will I get my money") would otherwise draw every
// question about a time to it. Words that do separate topics ("where",
// "much") keep full weight.
const (
	lightEN = `how long length duration take takes taking get time use using when last lasts receive received receives receiving got put enter type insert
		monday mondays tuesday tuesdays wednesday wednesdays thursday thursdays friday fridays saturday saturdays sunday sundays weekend`
	lightES = `lunes martes miercoles jueves viernes sabado sabados domingo domingos
		cuanto cuanta cuantos cuantas tiempo usar uso utilizar cuando dura duran durar duracion recibir recibi recibido recibida recibe reciben poner pongo pones meter meto introducir introduzco`
	lightPT = `segunda terca quarta quinta sexta sabado sabados domingo domingos
		quanto quanta quantos quantas tempo usar uso utilizar quando dura duram durar duracao receber recebi recebido recebida recebe recebem recebo recebes colocar coloco ponho meter meto introduzir introduzo inserir insiro`
)

// filler reports whether w, a word the articles do not have, is an
// inflection of a stopword or a light word ("gets" of "get", "takes" of
// "take"): it says how the question is asked, not what about, and is no
// unknown topic.
func (a *analyzer) filler(w string) bool {
	fillerOnce.Do(func() {
		for _, an := range analyzers {
			an.fillers = make(map[string]bool)
			for _, m := range []map[string]bool{an.stop, an.light} {
				for s := range m {
					if len(s) > 2 {
						an.fillers[an.stem(s)] = true
					}
				}
			}
		}
	})
	return a.fillers[a.stem(w)]
}

var fillerOnce sync.Once

func set(s string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// terms returns the index terms of already-folded words.
func (a *analyzer) terms(words []string) []string {
	out := make([]string, 0, len(words))
	for _, w := range words {
		if isPhrase(w) {
			out = append(out, w)
			continue
		}
		w = a.word(w)
		if a.stop[w] || (len(w) < 2 && !isDigit(w[0])) {
			continue
		}
		out = append(out, a.stem(w))
	}
	return out
}

func (a *analyzer) analyze(text string) []string { return a.terms(fold.Words(text)) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// guessLang returns the language whose stopwords best explain words, or hint
// when no other language explains them clearly better. Customers do not
// always write in the conversation's language, and analysing Spanish with
// English stopwords would turn "de", "la" and "el" into search terms.
func guessLang(words []string, hint string) string {
	best, bestN := hint, 0
	if a, ok := analyzers[hint]; ok {
		for _, w := range words {
			if a.stop[w] {
				bestN++
			}
		}
	}
	for _, lang := range []string{"en", "es", "pt"} {
		if lang == hint {
			continue
		}
		n := 0
		for _, w := range words {
			if analyzers[lang].stop[w] {
				n++
			}
		}
		if n > bestN {
			best, bestN = lang, n
		}
	}
	return best
}

// Interrogatives that tell topics apart ("where", "when", "how much", "how
// long") are kept out of the stopword lists on purpose.
const stopEN = `a an the and or but if of at by for with about to from in on up out over into onto
is are was were be been being am do does did doing have has had having i me my mine myself we our ours us
you your yours yourself he him his she her it its they them their this that these those what which who whom
can could would should will shall may might must there here so too very just also any some all than then as still now since above below certain later earlier sooner
get got want wanna need know tell let please pls plz u im m s t ve ll d re don doesn didn isn aren wasn
weren hasn haven hadn couldn wouldn shouldn won mustn needn
not no yes ok okay one thing something anything hi hello hey thanks thank make made
give say said because
many few more most other others another such only own same again once ever every each both either
neither already yet really actually maybe perhaps even though although lot lots bit little quite rather
everything everyone everybody like
until till til possible`

const stopES = `a al ante bajo con contra de del desde durante en entre hacia hasta para por segun sin so sobre tras
el la lo los las un una unos unas y e o u ni que como cual cuales quien quienes este esta esto estos estas
ese esa eso esos esas aquel aquella mi mis tu tus su sus nuestro nuestra nuestros nuestras vuestro vuestra
vuestros vuestras me te se nos os le les
yo tu el ella ellos ellas usted ustedes nosotros vosotros es son soy eres fue era ser estar estoy esta estan estas
he has ha hemos han hay tengo tienes tiene tienen tenemos puedo puedes puede pueden quiero quisiera necesito
muy mas ya tambien pero si no sea algo nada todo toda todos todas otro otra otros otras favor porfa vale hola
gracias pues entonces alguna alguno algun dame dime decir hago hacer hace haces
hacen da dar porque tanto tanta tal podeis podemos podria podrias podrian teneis tenia hacemos haceis
hice hizo hicimos hicisteis hicieron
dije dijo dijimos dijisteis dijeron dicho digo dices dice decis dicen ido iba iban va vas van voy vamos
vino vine vinieron viene vienen estaba estabas estaban estuve estuvo habia hubo habeis
mucho mucha muchos muchas poco poca pocos pocas cada ambos aun todavia quizas quiza ademas bastante demasiado
hecho hecha hechos hechas varios varias
posible`

const stopPT = `a ao aos as o os um uma uns umas de do da dos das em no na nos nas por pelo pela pelos pelas para com sem
sobre entre ate apos e ou nem que como qual quais quem este esta isto estes estas esse essa isso esses essas
aquele aquela meu minha meus minhas teu tua seu sua seus suas nosso nossa nossos nossas vosso vossa vossos
vossas me te se lhe lhes eu tu ele ela eles
elas voce voces nos vos sou es e sao foi era ser estar estou esta estao estas tenho tem temos tens ter posso pode
podem podes quero queria preciso muito mais ja tambem mas se nao sim algo nada tudo todo toda todos todas outro
outra outros outras favor ola oi obrigado obrigada entao pois algum alguma faco fazer faz
fazem fez diga dizer dar
disse disseram dito digo diz dizem vai vou vao vamos ia iam foi fui foram veio vieram vem vim vir
estava estavam esteve estive tinha tinham havia houve
muito muita muitos muitas pouco pouca poucos poucas cada ambos ainda talvez alem bastante demasiado
porque tanto tanta tantos tantas ha
feito feita feitos feitas varios varias
possivel`
