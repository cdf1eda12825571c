package browsertest

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/chromedp/chromedp"
)

// AxeEnv names the file of axe-core's axe.min.js (the accessibility
// engine from the npm registry, which scripts/test.sh installs and points
// this variable at).
const AxeEnv = "TREMENT_AXE_JS"

var axeSource = sync.OnceValues(func() (string, error) {
	path := os.Getenv(AxeEnv)
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("browsertest: %s: %w", AxeEnv, err)
	}
	return string(b), nil
})

// AxeViolation is one rule axe found broken, with where.
type AxeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// CheckAccessibility runs axe-core on the page as it is now (WCAG 2.0, 2.1
// and 2.2 A and AA rules) and fails the test for every serious or critical
// violation, naming the rule and the elements. Minor and moderate ones are
// logged. Without TREMENT_AXE_JS (a plain go test outside scripts/test.sh)
// it logs that it did not run; the test script always sets it.
func (b *Browser) CheckAccessibility(page string) []AxeViolation {
	b.t.Helper()
	vs, ok := b.Accessibility()
	if !ok {
		b.t.Logf("accessibility of %s not checked: %s is not set (scripts/test.sh sets it)", page, AxeEnv)
		return nil
	}
	for _, v := range vs {
		msg := fmt.Sprintf("accessibility of %s: %s (%s): %s at %s", page, v.ID, v.Impact, v.Help, strings.Join(v.Targets, ", "))
		if v.Impact == "serious" || v.Impact == "critical" {
			b.t.Error(msg)
		} else {
			b.t.Log(msg)
		}
	}
	return vs
}

// Accessibility runs axe-core on the page and returns every violation;
// ok is false when TREMENT_AXE_JS is not set.
func (b *Browser) Accessibility() (vs []AxeViolation, ok bool) {
	b.t.Helper()
	src, err := axeSource()
	if err != nil {
		b.t.Fatal(err)
	}
	if src == "" {
		return nil, false
	}
	// Injected through the DevTools protocol, so the page's CSP (no
	// inline or foreign script) is not loosened for it.
	if !Eval[bool](b, "typeof axe !== 'undefined'") {
		Run(b, chromedp.Evaluate[bool](src+";true"))
	}
	const run = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}, resultTypes: ["violations"]})
		.then(r => r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help, targets: v.nodes.map(n => n.target.join(" "))})))`
	return Run(b, chromedp.Evaluate[[]AxeViolation](run, chromedp.EvalAwaitPromise)), true
}
