package openai

import (
	"slices"
	"strings"
	"testing"

	"github.com/trement/trement/internal/agent"

	"github.com/trement/trement/internal/agent/filter"
)

// agent/filter blocks answers that echo this package's system prompt. This
// keeps the two in step: every rule line, echoed alone, must be caught.
func TestFilterCatchesSystemPromptEcho(t *testing.T) {
	f := filter.New(filter.Config{})
	req := testReq
	req.Forwarded, req.Product = true, &agent.Product{CatalogID: "1", ProductRetailerID: "sku-1"}
	prompt := systemPrompt(req, nil)
	lines := []string{strings.SplitN(prompt, "\n", 2)[0]}
	for _, l := range strings.Split(prompt, "\n") {
		if strings.HasPrefix(l, "- ") && !strings.Contains(l, "Reply in") {
			lines = append(lines, l)
		}
	}
	for _, l := range lines {
		v := f.Check(l, filter.Input{})
		if !slices.Contains(v.Reasons, filter.ReasonInjection) {
			t.Errorf("filter.Check(%q) = %v, want %s", l, v.Reasons, filter.ReasonInjection)
		}
	}
}
