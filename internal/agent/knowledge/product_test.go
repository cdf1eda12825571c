package knowledge

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/trement/trement/internal/agent"
)

// productAgent is the sample knowledge base with an article about one
// product, tagged with its retailer ids.
func productAgent(t *testing.T) *Agent {
	t.Helper()
	fsys := fstest.MapFS{}
	err := fs.WalkDir(Sample(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(Sample(), p)
		fsys[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	fsys["en/trail-runner.md"] = &fstest.MapFile{Data: []byte("---\nid: trail-runner\ntitle: Trail Runner 2\nlang: en\ntags: TR-2-BLUE, TR-2-RED\n---\n" +
		"## Stock\nThe Trail Runner 2 is in stock in blue and red, sizes 38 to 46.\n\n## Care\nWash the uppers by hand with cold water.\n")}
	a, err := New(fsys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestReplyAboutReferredProduct(t *testing.T) {
	a := productAgent(t)
	product := &agent.Product{CatalogID: "cat-1", ProductRetailerID: "tr-2-blue"}
	tests := []struct {
		name string
		req  agent.Request
		want string // in the answer; "" for unsure
		ack  string // in the acknowledgement of an unsure reply
	}{
		{"vague question about the product", agent.Request{Language: "en", Message: "is this available?", Product: product}, "in stock in blue and red", ""},
		{"product question about the product", agent.Request{Language: "en", Message: "how do I wash it?", Product: product}, "by hand", ""},
		{"another topic while asking about a product", agent.Request{Language: "en", Message: "do you accept paypal?", Product: product}, "PayPal", ""},
		{"without the product nothing says what this is", agent.Request{Language: "en", Message: "is this available?"}, "", ""},
		{"an unknown product is acknowledged", agent.Request{Language: "en", Message: "is this available?",
			Product: &agent.Product{CatalogID: "cat-1", ProductRetailerID: "HAT-9"}}, "", "the catalogue item HAT-9"},
		{"an ad's headline finds the article", agent.Request{Language: "en", Message: "is it true?",
			Referral: &agent.Referral{SourceType: "ad", Headline: "Free shipping on every order"}}, "Shipping costs", ""},
		{"an ad nothing answers is acknowledged", agent.Request{Language: "es", Message: "¿está disponible?",
			Referral: &agent.Referral{SourceType: "ad", Headline: "Sombrero Andino"}}, "", "Veo que preguntas por “Sombrero Andino”"},
		{"a forwarded greeting is not small talk", agent.Request{Language: "en", Message: "Good morning!", Forwarded: true}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := a.Reply(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if !r.Unsure {
					t.Fatalf("Reply(%q) = %q (confidence %.2f), want unsure", tt.req.Message, r.Text, r.Confidence)
				}
				if !strings.Contains(r.Acknowledge, tt.ack) || (tt.ack == "") != (r.Acknowledge == "") {
					t.Errorf("Reply(%q).Acknowledge = %q, want it to say %q", tt.req.Message, r.Acknowledge, tt.ack)
				}
				return
			}
			if r.Unsure || !strings.Contains(r.Text, tt.want) {
				t.Errorf("Reply(%q) = %q (unsure %v, confidence %.2f), want it to contain %q", tt.req.Message, r.Text, r.Unsure, r.Confidence, tt.want)
			}
		})
	}
}
