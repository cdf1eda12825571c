package conversation

import (
	"fmt"
	"strings"
	"time"
)

// Hours are when the business's people answer: some days of the week, one
// opening span a day, in one time zone. The zero value means "always".
type Hours struct {
	days        [7]bool // indexed by time.Weekday
	open, close time.Duration
	loc         *time.Location
	spec        string
}

var dayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseHours reads spec as "mon-fri 09:00-18:00" (day ranges and single
// days separated by commas, then the span: "mon-fri,sat 10:00-14:00") in the
// IANA time zone tz. An empty spec means always open.
func ParseHours(spec, tz string) (Hours, error) {
	var h Hours
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return h, fmt.Errorf("time zone %q: %w", tz, err)
	}
	h.loc = loc
	spec = strings.ToLower(strings.TrimSpace(spec))
	if spec == "" {
		return h, nil
	}
	days, span, ok := strings.Cut(spec, " ")
	if !ok {
		return h, fmt.Errorf("hours %q: want days and a span, e.g. mon-fri 09:00-18:00", spec)
	}
	for _, part := range strings.Split(days, ",") {
		from, to, isRange := strings.Cut(part, "-")
		a, b := dayIndex(from), dayIndex(to)
		if !isRange {
			b = a
		}
		if a < 0 || b < 0 {
			return h, fmt.Errorf("hours %q: %q is not a day range like mon-fri", spec, part)
		}
		for d := a; ; d = (d + 1) % 7 {
			h.days[d] = true
			if d == b {
				break
			}
		}
	}
	o, c, ok := strings.Cut(strings.TrimSpace(span), "-")
	open, err1 := clock(o)
	close, err2 := clock(c)
	if !ok || err1 != nil || err2 != nil || close <= open {
		return h, fmt.Errorf("hours %q: %q is not a span like 09:00-18:00", spec, span)
	}
	h.open, h.close, h.spec = open, close, spec
	return h, nil
}

func dayIndex(s string) int {
	for i, d := range dayNames {
		if strings.TrimSpace(s) == d {
			return i
		}
	}
	return -1
}

func clock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// Always reports whether the hours say nothing (always open).
func (h Hours) Always() bool { return h.spec == "" }

// Open reports whether t falls inside the hours.
func (h Hours) Open(t time.Time) bool {
	if h.Always() {
		return true
	}
	t = t.In(h.loc)
	since := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	return h.days[t.Weekday()] && since >= h.open && since < h.close
}

// Zone names the hours' time zone.
func (h Hours) Zone() string {
	if h.loc == nil {
		return "UTC"
	}
	return h.loc.String()
}

var localDays = map[string][]string{
	"en": {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
	"es": {"dom", "lun", "mar", "mié", "jue", "vie", "sáb"},
	"pt": {"dom", "seg", "ter", "qua", "qui", "sex", "sáb"},
}

// Describe renders the hours for a customer in lang: "Mon–Fri
// 09:00–18:00".
func (h Hours) Describe(lang string) string {
	names := localDays[lang]
	if names == nil {
		names = localDays["en"]
	}
	var parts []string
	// Runs of open days, starting the week on Monday.
	order := []int{1, 2, 3, 4, 5, 6, 0}
	for i := 0; i < len(order); i++ {
		if !h.days[order[i]] {
			continue
		}
		j := i
		for j+1 < len(order) && h.days[order[j+1]] {
			j++
		}
		if j == i {
			parts = append(parts, names[order[i]])
		} else {
			parts = append(parts, names[order[i]]+"–"+names[order[j]])
		}
		i = j
	}
	hm := func(d time.Duration) string { return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60) }
	return strings.Join(parts, ", ") + " " + hm(h.open) + "–" + hm(h.close)
}
