package main

import (
	"os"
	"strings"
	"testing"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/config"
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
