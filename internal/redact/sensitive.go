package redact

import "strings"

// Category is a special category of personal data (GDPR Art. 9, LGPD
// Art. 11, and their peers in Mexico, Argentina and Colombia). A message
// that reveals one needs more care than one with a phone number: the
// gateway may have to ask for explicit consent, route to a human, or keep
// the text out of the model's context.
type Category string

// The categories Sensitive reports.
const (
	Health     Category = "health"
	Religion   Category = "religion"
	Politics   Category = "politics"
	SexLife    Category = "sex_life" // sex life and sexual orientation
	Ethnicity  Category = "ethnicity"
	Biometrics Category = "biometrics"
	Union      Category = "union" // trade union membership
)

var categoryOrder = [...]Category{Health, Religion, Politics, SexLife, Ethnicity, Biometrics, Union}

// sensitiveRules are phrases in en, es and pt, written lower-case without
// accents. In a phrase, "word*" matches any word starting with word,
// "-word" means the phrase must not be followed by word, and "~word" that
// it must not be preceded by it. Phrases are specific on purpose: "sick"
// alone would flag "I'm sick of waiting", "union" would flag "European
// Union", "negra" would flag "camiseta negra".
var sensitiveRules = []struct {
	cat     Category
	phrases string
}{
	{Health, `diabet* | cancer -zodiac | chemo* | quimio* | hiv | vih | aids ~hearing | asthma | asma | epilep* |
		depression ~economic ~great | depressed | depresion | depressao | depresiv* | depressiv* |
		anxiety disorder | panic attack* | trastorno de ansiedad | crisis de ansiedad | crise de ansiedade | transtorno de ansiedade |
		pregnant | pregnancy | embarazada | embarazo | gravida | gravidez | gestante | miscarriage | aborto |
		insulin* | blood pressure | hypertension | hipertens* | presion alta | pressao alta | heart attack | infarto |
		surgery | cirugia | cirurgia | me operaron | fui operad* | my doctor | mi medico | mi doctor | meu medico | minha medica | mi medica |
		prescription | receta medica | receita medica | medication* | my meds | medicamento* | remedio controlado |
		wheelchair | silla de ruedas | cadeira de rodas | disability | disabled | discapacidad | discapacitad* | pessoa com deficiencia | pcd |
		allergic | alergic* | allergy | alergia | celiac | coeliac | celiac* | lactose intolerant | intolerante a la lactosa | intolerante a lactose |
		autism | autistic | autismo | autista | adhd | tdah | bipolar | schizophren* | esquizofren* |
		hospitalized | hospitalised | in the hospital | in hospital | hospitalizad* | internado | internada | en el hospital | no hospital |
		tumor | tumour | dialysis | dialisis | dialise | hepatitis | hepatite |
		have covid | had covid | tengo covid | con covid | com covid | estou com covid | positive for covid | positivo para covid | positivo de covid |
		diagnosed | diagnosticad* | psychiatrist | psiquiatra | therapist | terapeuta | antidepress* | antidepresiv* |
		im sick -of -and | i am sick -of -and | got sick | been sick -of -and | feeling sick | im ill | i am ill |
		estoy enfermo | estoy enferma | enfermedad | estou doente | to doente | enfermo de cancer | doenca | viagra | erectile | disfuncion erectil | disfuncao eretil`},
	{Religion, `church -st -street -road -rd -ave -avenue ~chicken | iglesia | igreja | mosque | mezquita | mesquita | synagogue | sinagoga |
		catholic | catolic* | im christian | i am christian | as a christian | soy cristiano | soy cristiana | sou cristao | sou crista | muslim | musulman* | muculman* | islam* |
		jewish | judio | judia | judeu | hindu | buddhist | budista | sikh | mormon | jehovah | jehova | jeova |
		evangelical | evangelic* | protestant* | atheist | ateo | atea | ateu | sou crente | kosher | halal | ramadan | shabbat | sabbath |
		umbanda | candomble | terreiro | espirita | religion | religious | religios* | religiao | my faith | mi fe | minha fe |
		my pastor | mi pastor | meu pastor | rabbi | rabino | imam | bible study | estudio biblico | voy a misa | vou a missa | vou na missa | go to mass | dizimo | diezmo`},
	{Politics, `democrat | democrats | democratic party | republican party | i voted trump | trump supporter | maga | biden | kamala | obama |
		lula | lulista | petista | bolsonar* | milei | kirchner* | peronis* | chavista | chavismo | uribista | petrista | amlo | lopez obrador | obradorista | sheinbaum |
		communist | comunista | socialist | socialista | fascist | fascista | anarchist | anarquista |
		left wing | right wing | soy de izquierda | soy de derecha | sou de esquerda | sou de direita |
		political party | partido politico | my party membership | afiliado al partido | filiado ao partido | militante | political views | opinion politica | opiniao politica`},
	{SexLife, `gay | lesbian | lesbiana | lesbica | bisexual | bissexual | homosexual | homossexual | queer | transgender | transgenero |
		trans woman | trans man | im trans | i am trans | soy trans | sou trans | mujer trans | hombre trans | mulher trans | homem trans |
		lgbt* | sexual orientation | orientacion sexual | orientacao sexual | sex life | vida sexual |
		sex toy* | juguete sexual | juguetes sexuales | brinquedo sexual | brinquedos sexuais | vibrator | vibrador | sex shop`},
	{Ethnicity, `im black | i am black | as a black | black woman | black man | african american | afro american | hispanic | im latino | im latina |
		i am latino | i am latina | indigenous | native american | asian american | mixed race | biracial | my race | my ethnicity | ethnicity | ethnic |
		soy negro | soy negra | afrodescendiente | afrodescendente | indigena | mapuche | quechua | aymara | wayuu | gitano | gitana |
		mi raza | mi etnia | etnia | etnico | etnica | racial | sou negro | sou negra | sou preto | sou preta | sou pardo | sou parda | quilombola | cigano | cigana | minha raca`},
	{Biometrics, `fingerprint* | face id | faceid | facial recognition | face scan | iris scan | retina scan | voiceprint | biometric* | palm print |
		huella dactilar | huellas dactilares | huella digital | huellas digitales | reconocimiento facial | biometri* | escaneo de iris | escaneo facial |
		impressao digital | impressoes digitais | reconhecimento facial | leitura facial | biometria facial`},
	{Union, `trade union | labor union | labour union | union member* | union rep | union representative | union dues | my union | our union |
		shop steward | teamsters | unionized | sindicato | sindical | sindicalizad* | delegado sindical | cuota sindical | contribuicao sindical`},
}

type sensRule struct {
	cat      Category
	words    []string // "x*" is a prefix
	notNext  []string
	notPrev  []string
	prefixed bool // first word is a prefix
}

var (
	sensByWord   = map[string][]*sensRule{} // exact first word
	sensByPrefix = map[string][]*sensRule{} // first 3 letters of a prefix first word
)

func init() {
	for _, r := range sensitiveRules {
		for _, p := range strings.Split(r.phrases, "|") {
			rule := &sensRule{cat: r.cat}
			for _, w := range strings.Fields(p) {
				switch w[0] {
				case '-':
					rule.notNext = append(rule.notNext, w[1:])
				case '~':
					rule.notPrev = append(rule.notPrev, w[1:])
				default:
					rule.words = append(rule.words, w)
				}
			}
			if len(rule.words) == 0 {
				panic("redact: empty sensitive phrase in " + string(r.cat))
			}
			first := rule.words[0]
			if strings.HasSuffix(first, "*") {
				rule.prefixed = true
				sensByPrefix[first[:3]] = append(sensByPrefix[first[:3]], rule)
			} else {
				sensByWord[first] = append(sensByWord[first], rule)
			}
		}
	}
}

// Sensitive reports the special categories of data text reveals about
// someone, in a fixed order (health, religion, politics, sex_life,
// ethnicity, biometrics, union). It looks for specific phrases in English,
// Spanish and Portuguese, ignoring case and accents; it is a screen for
// routing, not a classifier, and misses what is said in other words.
func Sensitive(text string) []Category {
	words := sensWords(text)
	var found [len(categoryOrder)]bool
	for i, w := range words {
		for _, r := range sensByWord[w] {
			if r.matches(words, i) {
				found[catIndex(r.cat)] = true
			}
		}
		if len(w) >= 3 {
			for _, r := range sensByPrefix[w[:3]] {
				if r.matches(words, i) {
					found[catIndex(r.cat)] = true
				}
			}
		}
	}
	var out []Category
	for i, f := range found {
		if f {
			out = append(out, categoryOrder[i])
		}
	}
	return out
}

func catIndex(c Category) int {
	for i, o := range categoryOrder {
		if o == c {
			return i
		}
	}
	return 0
}

func wordMatches(pat, w string) bool {
	if strings.HasSuffix(pat, "*") {
		return strings.HasPrefix(w, pat[:len(pat)-1])
	}
	return pat == w
}

func (r *sensRule) matches(words []string, i int) bool {
	if i+len(r.words) > len(words) {
		return false
	}
	for k, p := range r.words {
		if !wordMatches(p, words[i+k]) {
			return false
		}
	}
	if n := i + len(r.words); n < len(words) {
		for _, x := range r.notNext {
			if words[n] == x {
				return false
			}
		}
	}
	if i > 0 {
		for _, x := range r.notPrev {
			if words[i-1] == x {
				return false
			}
		}
	}
	return true
}

// sensWords lower-cases text, folds Latin accents, drops apostrophes
// ("I'm" -> "im") and splits on everything else that is not a letter or
// digit.
func sensWords(text string) []string {
	b := make([]byte, 0, len(text))
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		case c >= 'a' && c <= 'z' || isDigit(c):
			b = append(b, c)
		case c == '\'':
		case c == 0xE2 && strings.HasPrefix(text[i:], "\u2019"): // ’
			i += 2
		case c == 0xC3 && i+1 < len(text) && foldC3(text[i+1]) != 0:
			b = append(b, foldC3(text[i+1]))
			i++
		default:
			b = append(b, ' ')
		}
	}
	return strings.Fields(string(b))
}
