package openai

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/trement/trement/internal/agent"
	"github.com/trement/trement/internal/agent/knowledge"
)

// The knowledge agent is the Retriever trement wires in by default.
func TestReplyWithKnowledgeRetriever(t *testing.T) {
	kb, err := knowledge.New(knowledge.Sample(), knowledge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := newFakeServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeCompletion(w, "Standard shipping costs €4.95 and is free over €50.", "stop")
	})
	p := newProvider(t, Config{BaseURL: srv.URL, Retriever: kb})
	r, err := p.Reply(context.Background(), agent.Request{Language: "pt", Message: "quanto custa o envio?"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Sources) == 0 || r.Sources[0] != "shipping-costs" {
		t.Errorf("Reply sources = %v, want shipping-costs first", r.Sources)
	}
	sys := srv.requests()[0].body.Messages[0].Content
	if !strings.Contains(sys, "(shipping-costs)") || !strings.Contains(sys, "grátis em encomendas acima de 50 €") {
		t.Errorf("system prompt lacks the Portuguese shipping-costs passage:\n%s", sys)
	}
}
