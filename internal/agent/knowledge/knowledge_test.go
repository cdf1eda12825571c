package knowledge

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/trement/trement/internal/agent"
)

func TestReplyAnswersInCustomerLanguage(t *testing.T) {
	a := sampleAgent(t)
	tests := []struct {
		lang, msg, wantSource, wantText string
	}{
		// English words, Spanish conversation: the Spanish article answers.
		{"es", "where is my order", "order-tracking", "Mi cuenta"},
		// Spanish words, English conversation.
		{"en", "¿dónde está mi pedido?", "order-tracking", "My account"},
		{"pt", "do you accept paypal", "payment-methods", "Aceitamos"},
		{"pt", "horario de la tienda", "store-hours", "segunda a sábado"},
	}
	for _, tt := range tests {
		t.Run(tt.lang+"/"+tt.msg, func(t *testing.T) {
			r, err := a.Reply(context.Background(), agent.Request{Language: tt.lang, Message: tt.msg})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.Sources, []string{tt.wantSource}) || !strings.Contains(r.Text, tt.wantText) {
				t.Errorf("Reply(%s, %q) = %v %q, want [%s] with %q", tt.lang, tt.msg, r.Sources, r.Text, tt.wantSource, tt.wantText)
			}
		})
	}
}

func TestReplySmallTalk(t *testing.T) {
	a := sampleAgent(t)
	tests := []struct {
		lang, msg, want string
	}{
		{"en", "hi", "I'm an AI"},
		{"en", "Hello Tienda Aurora!", "virtual assistant of Tienda Aurora"},
		{"es", "Hola, buenas tardes", "Soy una IA"},
		{"pt", "Olá, bom dia", "Sou uma IA"},
		{"en", "thanks, bye", "You're welcome"},
		{"es", "muchas gracias!!", "De nada"},
		{"pt", "muito obrigada 😊", "De nada"},
		{"es", "adiós", "Gracias por escribir a Tienda Aurora"},
		{"pt", "tchau", "Obrigado por contactar Tienda Aurora"},
		{"en", "ok perfect", "anything else"},
	}
	for _, tt := range tests {
		t.Run(tt.msg, func(t *testing.T) {
			r, err := a.Reply(context.Background(), agent.Request{Language: tt.lang, Message: tt.msg, BusinessName: "Tienda Aurora"})
			if err != nil {
				t.Fatal(err)
			}
			if r.Unsure || r.Confidence != 1 || !strings.Contains(r.Text, tt.want) {
				t.Errorf("Reply(%q) = %+v, want confident text containing %q", tt.msg, r, tt.want)
			}
		})
	}
}

func TestReplyGreetingWithQuestion(t *testing.T) {
	a := sampleAgent(t)
	for _, msg := range []string{
		"Hola buenos días, ¿cuánto cuesta el envío?",
		"Hi there! how much is shipping? thanks",
		"Olá! os portes são grátis? Obrigado",
	} {
		r, err := a.Reply(context.Background(), agent.Request{Language: "es", Message: msg})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Sources, []string{"shipping-costs"}) {
			t.Errorf("Reply(%q) = %v (confidence %.2f), want [shipping-costs]", msg, r.Sources, r.Confidence)
		}
	}
}

func TestReplyFollowUpUsesHistory(t *testing.T) {
	a := sampleAgent(t)
	req := agent.Request{
		Language: "en",
		History: []agent.Turn{
			{Role: agent.RoleCustomer, Text: "Do you accept PayPal?"},
			{Role: agent.RoleAssistant, Text: "Yes, we accept PayPal."},
		},
		Message: "and klarna?",
	}
	r, err := a.Reply(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Sources, []string{"payment-methods"}) {
		t.Errorf("Reply(%q after PayPal question) = %v unsure=%v, want [payment-methods]", req.Message, r.Sources, r.Unsure)
	}
}

func TestReplyIgnoresPlaceholders(t *testing.T) {
	a := sampleAgent(t)
	r, err := a.Reply(context.Background(), agent.Request{Language: "en", Message: "[EMAIL_1] [PHONE_2] [CARD_NUMBER_1]"})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Unsure {
		t.Errorf("Reply(only placeholders) = %v, want Unsure", r.Sources)
	}
	r, _ = a.Reply(context.Background(), agent.Request{Language: "en", Message: "my email is [EMAIL_1], where is my parcel?"})
	if !slices.Equal(r.Sources, []string{"order-tracking"}) {
		t.Errorf("Reply(with placeholder) = %v, want [order-tracking]", r.Sources)
	}
}

func TestReplyCanceledContext(t *testing.T) {
	a := sampleAgent(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.Reply(ctx, agent.Request{Message: "hi"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Reply(canceled ctx) error = %v, want context.Canceled", err)
	}
}

func TestReplyTrimsLongAnswers(t *testing.T) {
	long := strings.Repeat("Our returns policy is generous and simple. ", 60)
	fsys := fstest.MapFS{"r.md": {Data: []byte("---\nid: r\ntitle: Returns\nlang: en\n---\n## How do I return?\n" + long)}}
	a, err := New(fsys, Options{MaxChars: 300})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := a.Reply(context.Background(), agent.Request{Language: "en", Message: "how do I return"})
	if n := len([]rune(r.Text)); n > 300 || !strings.HasSuffix(r.Text, "…") {
		t.Errorf("Reply(long article) = %d runes ending %q, want ≤ 300 ending in …", n, r.Text[len(r.Text)-5:])
	}
}

func TestSearch(t *testing.T) {
	a := sampleAgent(t)
	got := a.Search("return and refund", "pt", 3)
	if len(got) < 2 {
		t.Fatalf("Search(return and refund) = %d passages, want at least 2", len(got))
	}
	ids := map[string]bool{}
	for _, p := range got {
		if ids[p.ArticleID] {
			t.Errorf("Search returned article %q twice", p.ArticleID)
		}
		ids[p.ArticleID] = true
		if p.Lang != "pt" || p.Text == "" || p.Title == "" || p.Score <= 0 {
			t.Errorf("Search passage = %+v, want a Portuguese passage with title, text and score", p)
		}
	}
	if !ids["returns"] || !ids["refunds"] {
		t.Errorf("Search(return and refund) = %v, want returns and refunds", ids)
	}
	if got := a.Search("capital of France", "en", 3); len(got) != 0 {
		t.Errorf("Search(capital of France) = %v, want none", got)
	}
	if got := a.Search("refund", "en", 0); got != nil {
		t.Errorf("Search(k=0) = %v, want nil", got)
	}
}

func TestSampleLoads(t *testing.T) {
	a := sampleAgent(t)
	// 12 topics and 4 FAQ entries, in 3 languages.
	if got, want := a.Articles(), (12+4)*3; got != want {
		t.Errorf("Articles() = %d, want %d", got, want)
	}
}

func TestNewErrors(t *testing.T) {
	md := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name string
		fsys fstest.MapFS
		opts Options
		want string
	}{
		{"empty", fstest.MapFS{}, Options{}, "no articles"},
		{"no front-matter", fstest.MapFS{"a.md": md("# Hi\ntext")}, Options{}, "missing front-matter"},
		{"no id", fstest.MapFS{"a.md": md("---\nlang: en\n---\ntext")}, Options{}, "missing id"},
		{"bad lang", fstest.MapFS{"a.md": md("---\nid: a\nlang: fr\n---\ntext")}, Options{}, "unsupported lang"},
		{"duplicate", fstest.MapFS{
			"a.md": md("---\nid: a\nlang: en\n---\ntext"),
			"b.md": md("---\nid: a\nlang: en\n---\nmore"),
		}, Options{}, "already defined"},
		{"faq without answer", fstest.MapFS{"f.yaml": md("lang: en\nfaqs:\n  - question: Why?\n")}, Options{}, "question and answer"},
		{"bad confidence", fstest.MapFS{"a.md": md("---\nid: a\nlang: en\n---\ntext")}, Options{MinConfidence: 2}, "MinConfidence"},
		{"bad default lang", fstest.MapFS{"a.md": md("---\nid: a\nlang: en\n---\ntext")}, Options{DefaultLanguage: "de"}, "DefaultLanguage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.fsys, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New(%s) error = %v, want one mentioning %q", tt.name, err, tt.want)
			}
		})
	}
}

func TestParseArticle(t *testing.T) {
	a, err := parseArticle("---\nid: x\nlang: es\ntags: [envío, 'plazo', \"días\"]\n---\n# Envíos\nIntro.\n\n## ¿Cuándo llega?\nEn 2 días.\n\n## Coste\n4,95 €\n")
	if err != nil {
		t.Fatal(err)
	}
	if a.title != "Envíos" || !slices.Equal(a.tags, []string{"envío", "plazo", "días"}) {
		t.Errorf("parseArticle title, tags = %q, %q, want Envíos, [envío plazo días]", a.title, a.tags)
	}
	want := []section{{"", "Intro."}, {"¿Cuándo llega?", "En 2 días."}, {"Coste", "4,95 €"}}
	if !slices.Equal(a.sections, want) {
		t.Errorf("parseArticle sections = %q, want %q", a.sections, want)
	}
}

func TestParseFAQ(t *testing.T) {
	src := `# comment
lang: pt
tags: loja
faqs:
  - id: one
    question: "Uma \"pergunta\"?"
    answer: |
      Linha um.
      Linha dois.
    tags: [a, b]
  - question: 'It''s two'
    answer: >
      folded
      text

      new paragraph
  -
    question: Three # not a comment inside? it is, after space-hash
    answer: plain
    lang: en
`
	got, err := parseFAQ(src, "faq")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("parseFAQ = %d entries, want 3", len(got))
	}
	checks := []struct{ field, got, want string }{
		{"id 1", got[0].id, "one"},
		{"question 1", got[0].title, `Uma "pergunta"?`},
		{"answer 1", got[0].sections[0].body, "Linha um.\nLinha dois."},
		{"tags 1", strings.Join(got[0].tags, ","), "loja,a,b"},
		{"lang 1", got[0].lang, "pt"},
		{"id 2", got[1].id, "faq-2"},
		{"question 2", got[1].title, "It's two"},
		{"answer 2", got[1].sections[0].body, "folded text\nnew paragraph"},
		{"question 3", got[2].title, "Three"},
		{"lang 3", got[2].lang, "en"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("parseFAQ %s = %q, want %q", c.field, c.got, c.want)
		}
	}
}

func TestStemmers(t *testing.T) {
	tests := []struct {
		lang  string
		words []string // all must share a stem
	}{
		{"en", []string{"shipping", "shipped", "ships", "ship"}},
		{"en", []string{"refunds", "refund", "refunded"}},
		{"en", []string{"deliveries", "delivery", "delivered", "deliver"}},
		{"en", []string{"cancelled", "cancel", "cancels"}},
		{"en", []string{"payment", "pay", "pays", "paid"}},
		{"en", []string{"broken", "break", "broke", "breaks"}},
		{"en", []string{"send", "sent", "sending"}},
		{"es", []string{"envío", "envíos", "enviar", "enviado"}},
		{"es", []string{"devoluciones", "devolución"}},
		{"es", []string{"tallas", "talla"}},
		{"pt", []string{"devoluções", "devolução"}},
		{"pt", []string{"encomendas", "encomenda"}},
		{"pt", []string{"informação", "informações"}},
		// Conjugations meet the infinitive and the noun: the -s endings
		// ("enviamos", "guardáis") are not plurals.
		{"es", []string{"enviar", "enviamos", "enviáis", "envían", "envió", "enviaron", "enviando"}},
		{"es", []string{"guardar", "guardamos", "guardáis", "guardan", "guardaremos"}},
		{"es", []string{"pagar", "pagáis", "pagamos", "pagan"}},
		{"es", []string{"cambiar", "cambiamos", "cambian", "cambió"}},
		// A pronoun written onto the verb.
		{"es", []string{"comprar", "comprarlo", "comprármelo"}},
		{"es", []string{"mover", "moverse", "moviendo"}},
		// -olución nouns meet -olver verbs; the o → ue diphthong is undone.
		{"es", []string{"devolver", "devolución", "devoluciones", "devuelvo", "devuelven", "devolvemos"}},
		{"es", []string{"probar", "pruebo", "prueban", "probamos"}},
		{"es", []string{"encontrar", "encuentro", "encuentran"}},
		{"es", []string{"recomendar", "recomienda", "recomiendas", "recomendamos"}},
		{"es", []string{"cerrar", "cierra", "cierran", "cerramos"}},
		{"es", []string{"coste", "cuesta", "costar"}},
		{"es", []string{"almacén", "almacenes"}},
		{"pt", []string{"enviar", "enviamos", "enviam", "enviaram", "enviou"}},
		{"pt", []string{"chegar", "chegou", "chegaram", "chegam"}},
		{"pt", []string{"devolver", "devolução", "devoluções"}},
		// Portuguese -ais/-eis are plurals (of -al/-el), not vós forms.
		{"pt", []string{"material", "materiais"}},
		{"pt", []string{"papel", "papéis"}},
	}
	for _, tt := range tests {
		t.Run(tt.lang+"/"+tt.words[0], func(t *testing.T) {
			an := analyzers[tt.lang]
			want := an.analyze(tt.words[0])
			for _, w := range tt.words[1:] {
				if got := an.analyze(w); !slices.Equal(got, want) {
					t.Errorf("analyze(%q) = %q, want %q like %q", w, got, want, tt.words[0])
				}
			}
		})
	}
}

// TestStemmersKeepApart lists words that a suffix rule could wrongly merge.
func TestStemmersKeepApart(t *testing.T) {
	tests := []struct{ lang, a, b string }{
		{"es", "guerra", "gorra"},       // the u of "gue" is spelling, not a diphthong
		{"pt", "materiais", "materias"}, // -ais is the plural of -al
	}
	for _, tt := range tests {
		an := analyzers[tt.lang]
		if a, b := an.analyze(tt.a), an.analyze(tt.b); len(a) > 0 && slices.Equal(a, b) {
			t.Errorf("%s: analyze(%q) = analyze(%q) = %q, want them apart", tt.lang, tt.a, tt.b, a)
		}
	}
}

func TestWhatsApp(t *testing.T) {
	tests := []struct{ in, want string }{
		{"**Free** over €50", "*Free* over €50"},
		{"- one\n- two", "• one\n• two"},
		{"## Title\nSee [our guide](https://example.com/g).", "*Title*\nSee our guide (https://example.com/g)."},
		{"a\n\n\n\nb", "a\n\nb"},
	}
	for _, tt := range tests {
		if got := whatsApp(tt.in); got != tt.want {
			t.Errorf("whatsApp(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTrim(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"short", 100, "short"},
		{"One sentence here. Another sentence that is long.", 30, "One sentence here.…"},
		{"ñññññññññññññññññññ", 10, "ñññññññññ…"},
	}
	for _, tt := range tests {
		if got := trim(tt.in, tt.limit); got != tt.want {
			t.Errorf("trim(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
	}
}

func BenchmarkReply(b *testing.B) {
	a := sampleAgent(b)
	ctx := context.Background()
	reqs := make([]agent.Request, len(questions))
	for i, q := range questions {
		reqs[i] = agent.Request{Language: q.lang, Message: q.msg}
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := a.Reply(ctx, reqs[i%len(reqs)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewSample(b *testing.B) {
	for b.Loop() {
		if _, err := New(Sample(), Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestTexts(t *testing.T) {
	a, err := New(Sample(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(a.Texts(), "\n")
	for _, want := range []string{"+34 910 000 000", "Teléfono"} {
		if !strings.Contains(all, want) {
			t.Errorf("Texts() lacks %q", want)
		}
	}
}
