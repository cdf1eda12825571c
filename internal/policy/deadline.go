package policy

import (
	"fmt"
	"strings"
	"time"
)

// A Deadline is a legal or product clock. Exactly one of Days, Hours or
// Months is set: GDPR breach notice is Deadline{Hours: 72}, Brazil's is
// Deadline{Days: 3, Business: true}, a GDPR access request is
// Deadline{Months: 1, ExtendableMonths: 2}.
//
// The extension follows the unit of the main period: ExtendableDays goes with
// Days (and shares its Business flag), ExtendableMonths with Months. Hours
// cannot be extended.
type Deadline struct {
	Days           int  `json:"days,omitempty"`
	Business       bool `json:"business,omitempty"` // Days and ExtendableDays count Monday to Friday only
	ExtendableDays int  `json:"extendable_days,omitempty"`

	Hours int `json:"hours,omitempty"`

	Months           int `json:"months,omitempty"`
	ExtendableMonths int `json:"extendable_months,omitempty"`
}

// IsZero reports whether no period is set.
func (d Deadline) IsZero() bool { return d == Deadline{} }

// Extended returns the deadline with its extension folded in, for use once
// the person has been told the request needs more time:
// DueDate(start, d.Extended()).
func (d Deadline) Extended() Deadline {
	return Deadline{
		Days:     d.Days + d.ExtendableDays,
		Business: d.Business,
		Hours:    d.Hours,
		Months:   d.Months + d.ExtendableMonths,
	}
}

// String reads like "10 business days (+5 business days)" or "72 hours".
func (d Deadline) String() string {
	switch {
	case d.Hours > 0:
		return plural(d.Hours, "hour")
	case d.Months > 0:
		s := plural(d.Months, "month")
		if d.ExtendableMonths > 0 {
			s += " (+" + plural(d.ExtendableMonths, "month") + ")"
		}
		return s
	case d.Days > 0:
		unit := "day"
		if d.Business {
			unit = "business day"
		}
		s := plural(d.Days, unit)
		if d.ExtendableDays > 0 {
			s += " (+" + plural(d.ExtendableDays, unit) + ")"
		}
		return s
	}
	return "none"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// validate reports every problem with d, naming the field as name.days,
// name.hours and so on.
func (d Deadline) validate(name string) []error {
	var errs []error
	for _, f := range []struct {
		field string
		v     int
	}{
		{"days", d.Days},
		{"extendable_days", d.ExtendableDays},
		{"hours", d.Hours},
		{"months", d.Months},
		{"extendable_months", d.ExtendableMonths},
	} {
		if f.v < 0 {
			errs = append(errs, fmt.Errorf("%s.%s is %d, must not be negative", name, f.field, f.v))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	var set []string
	if d.Days > 0 {
		set = append(set, "days")
	}
	if d.Hours > 0 {
		set = append(set, "hours")
	}
	if d.Months > 0 {
		set = append(set, "months")
	}
	switch {
	case len(set) == 0:
		errs = append(errs, fmt.Errorf("%s: no period set, want exactly one of days, hours or months", name))
	case len(set) > 1:
		errs = append(errs, fmt.Errorf("%s: %s all set, want exactly one of days, hours or months", name, strings.Join(set, " and ")))
	}
	if d.Business && d.Days == 0 {
		errs = append(errs, fmt.Errorf("%s.business is set without days", name))
	}
	if d.ExtendableDays > 0 && d.Days == 0 {
		errs = append(errs, fmt.Errorf("%s.extendable_days is set without days", name))
	}
	if d.ExtendableMonths > 0 && d.Months == 0 {
		errs = append(errs, fmt.Errorf("%s.extendable_months is set without months", name))
	}
	return errs
}

// DueDate returns when d, started at start, runs out. It does not include
// the extension; use d.Extended() for that.
//
//   - Hours are elapsed time.
//   - Days are calendar days; the time of day is kept.
//   - Business days skip Saturdays and Sundays in start's location, so pass
//     start in the jurisdiction's time zone. Counting begins the day after
//     start: 1 business day from Friday 15:00 is Monday 15:00, and from
//     Saturday it is also Monday. Public holidays are not known here, so the
//     result can be earlier than the legal due date but never later.
//   - Months are calendar months; a day the target month lacks clamps to its
//     last day (31 January + 1 month = 28 February), so the result is never
//     later than the law's "one month".
//
// A zero Deadline returns start.
func DueDate(start time.Time, d Deadline) time.Time {
	switch {
	case d.Hours > 0:
		return start.Add(time.Duration(d.Hours) * time.Hour)
	case d.Months > 0:
		return addMonths(start, d.Months)
	case d.Days > 0 && d.Business:
		return addBusinessDays(start, d.Days)
	case d.Days > 0:
		return start.AddDate(0, 0, d.Days)
	}
	return start
}

func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	target := m + time.Month(n)
	// Day 0 of the month after target is the last day of target.
	last := time.Date(y, target+1, 0, 0, 0, 0, 0, t.Location()).Day()
	if d > last {
		d = last
	}
	return time.Date(y, target, d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}

func addBusinessDays(t time.Time, n int) time.Time {
	// Any seven consecutive days hold exactly five weekdays, so whole weeks
	// can be jumped. Keep 1 to 5 days for the walk so it ends on the n-th
	// weekday rather than on a weekend after a jump.
	weeks := (n - 1) / 5
	t = t.AddDate(0, 0, 7*weeks)
	for rest := n - 5*weeks; rest > 0; {
		t = t.AddDate(0, 0, 1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			rest--
		}
	}
	return t
}

// stricter reports whether a ends strictly before b. It compares the latest
// due date over a fortnight of start days that spans a weekend and the end
// of February, so a short month and a weekend both count; then the earliest;
// then the extended deadlines.
func stricter(a, b Deadline) bool {
	ca, cb := compare(a, b), compare(a.Extended(), b.Extended())
	if ca != 0 {
		return ca < 0
	}
	return cb < 0
}

// compare returns -1 if a is stricter than b, 1 if b is, 0 if they are
// indistinguishable over the reference starts.
func compare(a, b Deadline) int {
	amax, amin := spread(a)
	bmax, bmin := spread(b)
	switch {
	case amax < bmax:
		return -1
	case amax > bmax:
		return 1
	case amin < bmin:
		return -1
	case amin > bmin:
		return 1
	}
	return 0
}

func spread(d Deadline) (longest, shortest time.Duration) {
	shortest = time.Duration(1<<63 - 1)
	start := time.Date(2027, time.January, 25, 12, 0, 0, 0, time.UTC) // a Monday
	for i := range 14 {
		s := start.AddDate(0, 0, i)
		n := DueDate(s, d).Sub(s)
		longest = max(longest, n)
		shortest = min(shortest, n)
	}
	return longest, shortest
}
