package conversation

import (
	"testing"
	"time"
)

func TestHours(t *testing.T) {
	h, err := ParseHours("mon-fri 09:00-18:00", "Europe/Madrid")
	if err != nil {
		t.Fatal(err)
	}
	madrid, _ := time.LoadLocation("Europe/Madrid")
	tests := []struct {
		at   time.Time
		open bool
	}{
		{time.Date(2026, 12, 2, 10, 0, 0, 0, madrid), true},   // Wednesday
		{time.Date(2026, 12, 2, 8, 59, 0, 0, madrid), false},  // before opening
		{time.Date(2026, 12, 2, 18, 0, 0, 0, madrid), false},  // closing time
		{time.Date(2026, 12, 5, 12, 0, 0, 0, madrid), false},  // Saturday
		{time.Date(2026, 12, 2, 8, 30, 0, 0, time.UTC), true}, // 09:30 in Madrid
	}
	for _, tt := range tests {
		if got := h.Open(tt.at); got != tt.open {
			t.Errorf("Open(%v) = %v, want %v", tt.at, got, tt.open)
		}
	}
	if got := h.Describe("es"); got != "lun–vie 09:00–18:00" {
		t.Errorf("Describe(es) = %q", got)
	}
	h2, err := ParseHours("mon-fri,sat 10:00-14:00", "UTC")
	if err != nil || h2.Describe("en") != "Mon–Sat 10:00–14:00" {
		t.Errorf("ParseHours(mon-fri,sat) = %q, %v", h2.Describe("en"), err)
	}
	for _, bad := range []string{"mon-fri", "mon-xyz 09:00-18:00", "mon 18:00-09:00", "mon 9-18"} {
		if _, err := ParseHours(bad, "UTC"); err == nil {
			t.Errorf("ParseHours(%q) = nil error, want one", bad)
		}
	}
	if _, err := ParseHours("mon 09:00-10:00", "Mars/Olympus"); err == nil {
		t.Error("ParseHours with an unknown zone = nil error")
	}
	var always Hours
	if !always.Open(time.Now()) {
		t.Error("zero Hours not always open")
	}
}
