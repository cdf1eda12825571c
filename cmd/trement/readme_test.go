package main

import (
	"os"
	"strings"
	"testing"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/config"
	"github.com/trement/trement/internal/console"
)

// TestREADMEIsGenerated keeps the README's reference tables equal to what
// the code enforces.
func TestREADMEIsGenerated(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for name, table := range map[string]string{"configuration (trement config doc)": config.Markdown(), "permission matrix (auth.Matrix)": auth.Matrix()} {
		if !strings.Contains(readme, table) {
			t.Errorf("README.md's %s is out of date; paste the current one", name)
		}
	}
}

// TestOpenAPIDocumentIsCurrent keeps docs/openapi.json equal to what the
// running server's route table generates, and every API route described.
// TREMENT_UPDATE_OPENAPI=1 rewrites the file.
func TestOpenAPIDocumentIsCurrent(t *testing.T) {
	ta := startApp(t, appOpt{})
	routes := ta.app.console.Routes()
	if err := console.CheckAPIDocs(routes, true); err != nil {
		t.Fatal(err)
	}
	doc, err := console.OpenAPI(routes)
	if err != nil {
		t.Fatal(err)
	}
	doc = append(doc, '\n')
	const path = "../../docs/openapi.json"
	if os.Getenv("TREMENT_UPDATE_OPENAPI") == "1" {
		if err := os.WriteFile(path, doc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(doc) {
		t.Errorf("%s is out of date: run TREMENT_UPDATE_OPENAPI=1 go test ./cmd/trement -run TestOpenAPIDocumentIsCurrent", path)
	}
}
