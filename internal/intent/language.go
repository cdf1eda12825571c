package intent

import (
	"strings"
)

// hints are words frequent in one language and not in the other two, after
// normalising. Words shared by two languages ("que", "de", "no", "para",
// "como", "a") are left out: they cannot tell the languages apart.
var hints = map[string]langSet{}

func init() {
	for _, h := range []struct {
		lang  langSet
		words string
	}{
		{en, `the is are i you my and what how it this that can dont please thanks thank
			hello hi hey want with of to for yes not have where when why would could
			should your we our be get need help know`},
		{es, `el la los las y es mi mis con quiero hola gracias donde cuando tengo puedo
			muy pero usted tu yo un una unos necesito ayuda del al este esto eso hay si
			porque cual cuanto tiene tienen buenas bueno vale hacer ahora ya estoy soy
			quisiera ayudarme datos`},
		{pt, `o os e meu minha meus minhas com quero oi ola obrigado obrigada onde quando
			voce voces vc tenho posso muito eu um uma isso esse essa nao sim ajuda preciso
			da dos das na ao tem estou sou agora ja fazer bom boa tudo entao gostaria
			queria pra pro ta dados consigo`},
	} {
		for _, w := range strings.Fields(h.words) {
			if prev, dup := hints[w]; dup && prev != h.lang {
				panic("intent: hint word " + w + " in two languages")
			}
			hints[w] = h.lang
		}
	}
}

// guessLanguage picks the language among allowed that text most looks
// like: one point per hint word, two for letters only one language uses
// (ã õ ç → pt; ñ ¿ ¡ → es). It returns "" on a tie or no evidence, and the
// single allowed language when there is only one.
func guessLanguage(text string, toks []string, allowed langSet) string {
	for _, l := range langCodes {
		if allowed == l.bit {
			return l.code
		}
	}
	score := map[langSet]int{}
	for _, t := range toks {
		if l, ok := hints[t]; ok {
			score[l]++
		}
	}
	if len(text) > maxBytes {
		text = text[:maxBytes]
	}
	for _, r := range text {
		switch r {
		case 'ã', 'õ', 'ç', 'Ã', 'Õ', 'Ç':
			score[pt] += 2
		case 'ñ', 'Ñ', '¿', '¡':
			score[es] += 2
		}
	}
	best, bestScore, tie := "", 0, false
	for _, l := range langCodes {
		if allowed&l.bit == 0 {
			continue
		}
		switch s := score[l.bit]; {
		case s > bestScore:
			best, bestScore, tie = l.code, s, false
		case s == bestScore && s > 0:
			tie = true
		}
	}
	if tie {
		return ""
	}
	return best
}
