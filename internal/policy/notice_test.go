package policy

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

var fullVars = map[string]Vars{
	"en": {Business: "Sun Shop", Purpose: "orders, deliveries and returns", PrivacyURL: "https://sun.example/privacy", DPOContact: "dpo@sun.example", NoticeVersion: "3", Hours: "Mon–Fri 09:00–18:00", TimeZone: "Europe/Madrid"},
	"es": {Business: "Tienda Sol", Purpose: "pedidos, envíos y devoluciones", PrivacyURL: "https://sol.example/privacidad", DPOContact: "dpd@sol.example", NoticeVersion: "3", Hours: "lun–vie 09:00–18:00", TimeZone: "Europe/Madrid"},
	"pt": {Business: "Loja Sol", Purpose: "pedidos, entregas e trocas", PrivacyURL: "https://sol.example/privacidade", DPOContact: "encarregado@sol.example", NoticeVersion: "3", Hours: "seg–sex 09:00–18:00", TimeZone: "America/Sao_Paulo"},
}

// withURL are the texts that must carry the privacy notice link.
var withURL = map[Text]bool{FirstContact: true, PrivacyLink: true, NoticeChanged: true}

func TestTextsExistInEveryLanguage(t *testing.T) {
	e := mustEngine(t, Config{})
	for _, lang := range Languages() {
		for _, r := range Regions() {
			p := mustPack(t, e, r)
			for _, txt := range Texts() {
				t.Run(lang+"/"+string(r)+"/"+string(txt), func(t *testing.T) {
					v := fullVars[lang]
					got, err := p.Text(lang, txt, v)
					if err != nil {
						t.Fatalf("Pack(%s).Text(%s, %s) error = %v, want none", r, lang, txt, err)
					}
					if strings.TrimSpace(got) == "" {
						t.Fatalf("Pack(%s).Text(%s, %s) = %q, want text", r, lang, txt, got)
					}
					if strings.Contains(got, "<no value>") || strings.Contains(got, "{{") {
						t.Errorf("Pack(%s).Text(%s, %s) = %q, want a fully rendered text", r, lang, txt, got)
					}
					if withURL[txt] && !strings.Contains(got, v.PrivacyURL) {
						t.Errorf("Pack(%s).Text(%s, %s) = %q, want it to contain %q", r, lang, txt, got, v.PrivacyURL)
					}
					if n := utf8.RuneCountInString(got); n > 1024 {
						t.Errorf("len(Pack(%s).Text(%s, %s)) = %d runes, want ≤ 1024 (interactive body limit)", r, lang, txt, n)
					}
				})
			}
		}
	}
}

func TestButtons(t *testing.T) {
	tests := []struct {
		lang, accept, decline string
	}{
		{"en", "Accept", "Decline"},
		{"es", "Aceptar", "Rechazar"},
		{"pt", "Aceitar", "Recusar"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			for _, b := range []struct {
				txt  Text
				want string
			}{{AcceptButton, tt.accept}, {DeclineButton, tt.decline}} {
				got, err := Render(tt.lang, b.txt, Vars{})
				if err != nil || got != b.want {
					t.Errorf("Render(%s, %s) = %q, %v, want %q", tt.lang, b.txt, got, err, b.want)
				}
				if n := utf8.RuneCountInString(got); n > MaxButtonLen {
					t.Errorf("Render(%s, %s) is %d characters, want ≤ %d", tt.lang, b.txt, n, MaxButtonLen)
				}
			}
		})
	}
}

func TestFirstContact(t *testing.T) {
	e := mustEngine(t, Config{})
	tests := []struct {
		region  Region
		lang    string
		ai      string // says it is an AI
		dpoLine string // "" means no DPO line
	}{
		{GDPR, "en", "AI assistant", ""},
		{ES, "es", "asistente de IA", ""},
		{BR, "pt", "assistente de IA", "Encarregado (DPO): encarregado@sol.example"},
		{MX, "es", "asistente de IA", "Departamento de datos personales: dpd@sol.example"},
		{CO, "es", "asistente de IA", "Área responsable de protección de datos: dpd@sol.example"},
		{AR, "es", "asistente de IA", ""},
		{CA, "en", "AI assistant", ""},
		{Strict, "en", "AI assistant", "Data protection officer (DPO): dpo@sun.example"},
		// A Brazilian number writing in English gets the English label.
		{BR, "en", "AI assistant", "Data protection officer (DPO): dpo@sun.example"},
	}
	for _, tt := range tests {
		t.Run(string(tt.region)+"/"+tt.lang, func(t *testing.T) {
			v := fullVars[tt.lang]
			got, err := mustPack(t, e, tt.region).Text(tt.lang, FirstContact, v)
			if err != nil {
				t.Fatalf("Text(%s, first_contact) error = %v", tt.lang, err)
			}
			for _, want := range []string{tt.ai, v.Business, v.Purpose, v.PrivacyURL, "v" + v.NoticeVersion} {
				if !strings.Contains(got, want) {
					t.Errorf("Pack(%s).Text(%s, first_contact) = %q, want it to contain %q", tt.region, tt.lang, got, want)
				}
			}
			hasContact := strings.Contains(got, v.DPOContact)
			switch {
			case tt.dpoLine == "" && hasContact:
				t.Errorf("Pack(%s).Text(%s, first_contact) = %q, want no DPO line", tt.region, tt.lang, got)
			case tt.dpoLine != "" && !strings.Contains(got, tt.dpoLine):
				t.Errorf("Pack(%s).Text(%s, first_contact) = %q, want it to contain %q", tt.region, tt.lang, got, tt.dpoLine)
			}
		})
	}
}

func TestTextDefaultsToPackLanguage(t *testing.T) {
	e := mustEngine(t, Config{})
	got, err := mustPack(t, e, BR).Text("", Declined, Vars{})
	if err != nil || !strings.Contains(got, "Entendido: não vou") {
		t.Errorf("Pack(BR).Text(\"\", declined) = %q, %v, want Portuguese", got, err)
	}
}

func TestRenderRefusesHalfFilledNotices(t *testing.T) {
	e := mustEngine(t, Config{})
	v := fullVars["pt"]
	tests := []struct {
		name string
		do   func() (string, error)
		want string
	}{
		{"no privacy URL", func() (string, error) {
			v := v
			v.PrivacyURL = ""
			return Render("pt", FirstContact, v)
		}, "PrivacyURL is empty"},
		{"no business", func() (string, error) { return Render("en", OptedOut, Vars{}) }, "Business is empty"},
		{"no notice version", func() (string, error) {
			v := v
			v.NoticeVersion = " "
			return Render("pt", NoticeChanged, v)
		}, "NoticeVersion is empty"},
		{"DPO required but no contact", func() (string, error) {
			v := v
			v.DPOContact = ""
			return mustPack(t, e, BR).Text("pt", FirstContact, v)
		}, "DPOContact is empty but the region requires naming the encarregado (DPO)"},
		{"no age", func() (string, error) { return Render("es", MinorAgeNotice, Vars{}) }, "MinAge is empty"},
		{"no hours", func() (string, error) { return Render("pt", WaitOutsideHours, Vars{Business: "b", TimeZone: "UTC"}) }, "Hours is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.do()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s = %q, %v, want error containing %q", tt.name, got, err, tt.want)
			}
		})
	}
	// No DPO needed: an empty contact is fine.
	if _, err := mustPack(t, e, GDPR).Text("en", FirstContact, Vars{Business: "b", Purpose: "p", PrivacyURL: "u", NoticeVersion: "1"}); err != nil {
		t.Errorf("Pack(GDPR).Text(en, first_contact) without DPO contact = %v, want no error", err)
	}
}

func TestRenderUnknown(t *testing.T) {
	if _, err := Render("fr", Help, Vars{}); !errors.Is(err, ErrUnknownText) {
		t.Errorf("Render(fr, help) error = %v, want ErrUnknownText", err)
	}
	if _, err := Render("en", "poem", Vars{}); !errors.Is(err, ErrUnknownText) {
		t.Errorf("Render(en, poem) error = %v, want ErrUnknownText", err)
	}
}

func TestTextsNameTheirCommands(t *testing.T) {
	for _, lang := range Languages() {
		v := fullVars[lang]
		word := func(action string) string {
			w, err := commandWord(lang, action)
			if err != nil {
				t.Fatal(err)
			}
			return w
		}
		tests := []struct {
			txt  Text
			want []string
		}{
			{OptedOut, []string{word("opt_in")}},
			{Declined, []string{word("opt_in")}},
			{OptedIn, []string{word("opt_out")}},
			{FirstContact, []string{word("opt_out"), word("human")}},
			{Unsure, []string{word("human")}},
			{Fallback, []string{word("human"), word("help")}},
			{ErasureConfirm, []string{ErasurePhrase(lang)}},
		}
		for _, tt := range tests {
			t.Run(lang+"/"+string(tt.txt), func(t *testing.T) {
				got, err := Render(lang, tt.txt, v)
				if err != nil {
					t.Fatal(err)
				}
				for _, w := range tt.want {
					if !strings.Contains(got, w) {
						t.Errorf("Render(%s, %s) = %q, want it to contain %q", lang, tt.txt, got, w)
					}
				}
			})
		}
		t.Run(lang+"/help", func(t *testing.T) {
			got, err := Render(lang, Help, v)
			if err != nil {
				t.Fatal(err)
			}
			cmds := Commands(lang)
			if len(cmds) != 7 {
				t.Errorf("len(Commands(%s)) = %d, want 7", lang, len(cmds))
			}
			for _, c := range cmds {
				if !strings.Contains(got, c.Word) {
					t.Errorf("Render(%s, help) = %q, want it to list %q", lang, got, c.Word)
				}
			}
		})
	}
}

func TestErasureTextsFollowBlocking(t *testing.T) {
	e := mustEngine(t, Config{})
	tests := []struct {
		region Region
		want   string
	}{
		{ES, "Tus datos están bloqueados"},
		{MX, "Tus datos están bloqueados"},
		{AR, "Tus datos han sido borrados"},
		{CO, "Tus datos han sido borrados"},
	}
	for _, tt := range tests {
		t.Run(string(tt.region), func(t *testing.T) {
			got, err := mustPack(t, e, tt.region).Text("es", ErasureDone, Vars{})
			if err != nil || !strings.Contains(got, tt.want) {
				t.Errorf("Pack(%s).Text(es, erasure_done) = %q, %v, want it to contain %q", tt.region, got, err, tt.want)
			}
		})
	}
}

func TestAccessRequestedDue(t *testing.T) {
	got, err := Render("en", AccessRequested, Vars{Due: "12 March 2027"})
	if err != nil || !strings.Contains(got, "by 12 March 2027") {
		t.Errorf("Render(en, access_requested, Due) = %q, %v, want the due date", got, err)
	}
	got, err = Render("en", AccessRequested, Vars{})
	if err != nil || !strings.Contains(got, "legal deadline") {
		t.Errorf("Render(en, access_requested) = %q, %v, want the legal deadline wording", got, err)
	}
}

func TestMinorAgeNotice(t *testing.T) {
	e := mustEngine(t, Config{})
	got, err := mustPack(t, e, ES).Text("es", MinorAgeNotice, Vars{})
	if err != nil || !strings.Contains(got, "14 años") {
		t.Errorf("Pack(ES).Text(es, minor_age_notice) = %q, %v, want it to contain %q", got, err, "14 años")
	}
}
