package policy

import (
	"strings"
	"testing"
	"time"
)

func date(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, time.UTC)
}

func TestDueDate(t *testing.T) {
	// 2027-03-05 is a Friday.
	fri := date(2027, time.March, 5, 15)
	sat := date(2027, time.March, 6, 10)
	sun := date(2027, time.March, 7, 10)
	mon := date(2027, time.March, 8, 9)
	wed := date(2027, time.March, 10, 9)
	tests := []struct {
		name  string
		start time.Time
		d     Deadline
		want  time.Time
	}{
		{"zero deadline is start", fri, Deadline{}, fri},
		{"72 hours from Friday", fri, Deadline{Hours: 72}, date(2027, time.March, 8, 15)},
		{"calendar days cross the weekend", fri, Deadline{Days: 10}, date(2027, time.March, 15, 15)},
		{"1 business day from Friday is Monday", fri, Deadline{Days: 1, Business: true}, date(2027, time.March, 8, 15)},
		{"3 business days from Friday is Wednesday", fri, Deadline{Days: 3, Business: true}, date(2027, time.March, 10, 15)},
		{"1 business day from Saturday is Monday", sat, Deadline{Days: 1, Business: true}, date(2027, time.March, 8, 10)},
		{"1 business day from Sunday is Monday", sun, Deadline{Days: 1, Business: true}, date(2027, time.March, 8, 10)},
		{"5 business days from Saturday is Friday", sat, Deadline{Days: 5, Business: true}, date(2027, time.March, 12, 10)},
		{"10 business days from Saturday is the second Friday", sat, Deadline{Days: 10, Business: true}, date(2027, time.March, 19, 10)},
		{"5 business days from Monday is next Monday", mon, Deadline{Days: 5, Business: true}, date(2027, time.March, 15, 9)},
		{"10 business days from Wednesday", wed, Deadline{Days: 10, Business: true}, date(2027, time.March, 24, 9)},
		{"15 business days from Friday", fri, Deadline{Days: 15, Business: true}, date(2027, time.March, 26, 15)},
		{"extension is not included", mon, Deadline{Days: 10, Business: true, ExtendableDays: 5}, date(2027, time.March, 22, 9)},
		{"1 month, same day", date(2027, time.March, 15, 9), Deadline{Months: 1}, date(2027, time.April, 15, 9)},
		{"1 month from 31 January clamps to 28 February", date(2027, time.January, 31, 9), Deadline{Months: 1}, date(2027, time.February, 28, 9)},
		{"1 month from 31 January in a leap year", date(2028, time.January, 31, 9), Deadline{Months: 1}, date(2028, time.February, 29, 9)},
		{"1 month from 31 March clamps to 30 April", date(2027, time.March, 31, 9), Deadline{Months: 1}, date(2027, time.April, 30, 9)},
		{"3 months across the year end", date(2027, time.November, 30, 9), Deadline{Months: 3}, date(2028, time.February, 29, 9)},
		{"1 month from 15 December", date(2027, time.December, 15, 9), Deadline{Months: 1}, date(2028, time.January, 15, 9)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DueDate(tt.start, tt.d); !got.Equal(tt.want) {
				t.Errorf("DueDate(%s, %+v) = %s, want %s", tt.start.Format(time.RFC1123), tt.d, got.Format(time.RFC1123), tt.want.Format(time.RFC1123))
			}
		})
	}
}

// TestDueDateBusinessDaysMatchesWalk checks the week-jumping shortcut
// against a plain day-by-day walk.
func TestDueDateBusinessDaysMatchesWalk(t *testing.T) {
	walk := func(t time.Time, n int) time.Time {
		for n > 0 {
			t = t.AddDate(0, 0, 1)
			if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
				n--
			}
		}
		return t
	}
	start := date(2027, time.March, 1, 12)
	for i := range 14 {
		s := start.AddDate(0, 0, i)
		for n := 1; n <= 40; n++ {
			got := DueDate(s, Deadline{Days: n, Business: true})
			if want := walk(s, n); !got.Equal(want) {
				t.Errorf("DueDate(%s, %d business days) = %s, want %s", s.Format("Mon 2 Jan"), n, got.Format("Mon 2 Jan"), want.Format("Mon 2 Jan"))
			}
			if wd := got.Weekday(); wd == time.Saturday || wd == time.Sunday {
				t.Errorf("DueDate(%s, %d business days) = %s, want a weekday", s.Format("Mon 2 Jan"), n, got.Format("Mon 2 Jan"))
			}
		}
	}
}

// TestDueDateUsesStartLocation shows why callers pass start in the
// jurisdiction's zone: Friday 23:30 UTC is already Saturday in Madrid.
func TestDueDateUsesStartLocation(t *testing.T) {
	madrid := time.FixedZone("CEST", 2*60*60)
	utc := time.Date(2027, time.March, 5, 23, 30, 0, 0, time.UTC) // Friday
	d := Deadline{Days: 1, Business: true}
	if got, want := DueDate(utc, d).Weekday(), time.Monday; got != want {
		t.Errorf("DueDate(Fri 23:30 UTC, 1 business day).Weekday() = %s, want %s", got, want)
	}
	local := utc.In(madrid) // Saturday 01:30
	if got, want := DueDate(local, d), time.Date(2027, time.March, 8, 1, 30, 0, 0, madrid); !got.Equal(want) {
		t.Errorf("DueDate(Sat 01:30 Madrid, 1 business day) = %s, want %s", got, want)
	}
}

func TestDeadlineExtended(t *testing.T) {
	tests := []struct {
		d, want Deadline
	}{
		{Deadline{Days: 10, Business: true, ExtendableDays: 5}, Deadline{Days: 15, Business: true}},
		{Deadline{Months: 1, ExtendableMonths: 2}, Deadline{Months: 3}},
		{Deadline{Days: 45, ExtendableDays: 45}, Deadline{Days: 90}},
		{Deadline{Hours: 72}, Deadline{Hours: 72}},
	}
	for _, tt := range tests {
		t.Run(tt.d.String(), func(t *testing.T) {
			if got := tt.d.Extended(); got != tt.want {
				t.Errorf("%+v.Extended() = %+v, want %+v", tt.d, got, tt.want)
			}
		})
	}
}

func TestDeadlineString(t *testing.T) {
	tests := []struct {
		d    Deadline
		want string
	}{
		{Deadline{}, "none"},
		{Deadline{Hours: 72}, "72 hours"},
		{Deadline{Hours: 1}, "1 hour"},
		{Deadline{Days: 3, Business: true}, "3 business days"},
		{Deadline{Days: 10, Business: true, ExtendableDays: 5}, "10 business days (+5 business days)"},
		{Deadline{Days: 45, ExtendableDays: 45}, "45 days (+45 days)"},
		{Deadline{Months: 1, ExtendableMonths: 2}, "1 month (+2 months)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.d.String(); got != tt.want {
				t.Errorf("%+v.String() = %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}

func TestDeadlineValidate(t *testing.T) {
	tests := []struct {
		name string
		d    Deadline
		want string // substring of the joined errors; "" means valid
	}{
		{"days", Deadline{Days: 10}, ""},
		{"business days with extension", Deadline{Days: 10, Business: true, ExtendableDays: 5}, ""},
		{"hours", Deadline{Hours: 72}, ""},
		{"months with extension", Deadline{Months: 1, ExtendableMonths: 2}, ""},
		{"negative days", Deadline{Days: -3}, "access.days is -3, must not be negative"},
		{"negative hours", Deadline{Hours: -1}, "access.hours is -1, must not be negative"},
		{"negative months", Deadline{Months: -1}, "access.months is -1, must not be negative"},
		{"negative extension", Deadline{Days: 3, ExtendableDays: -2}, "access.extendable_days is -2, must not be negative"},
		{"negative month extension", Deadline{Months: 1, ExtendableMonths: -2}, "access.extendable_months is -2, must not be negative"},
		{"nothing set", Deadline{}, "access: no period set"},
		{"two units", Deadline{Days: 3, Hours: 72}, "access: days and hours all set"},
		{"business without days", Deadline{Hours: 72, Business: true}, "access.business is set without days"},
		{"day extension on months", Deadline{Months: 1, ExtendableDays: 5}, "access.extendable_days is set without days"},
		{"month extension on days", Deadline{Days: 5, ExtendableMonths: 1}, "access.extendable_months is set without months"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var msgs []string
			for _, err := range tt.d.validate("access") {
				msgs = append(msgs, err.Error())
			}
			got := strings.Join(msgs, "; ")
			switch {
			case tt.want == "" && got != "":
				t.Errorf("%+v.validate() = %q, want no error", tt.d, got)
			case tt.want != "" && !strings.Contains(got, tt.want):
				t.Errorf("%+v.validate() = %q, want it to contain %q", tt.d, got, tt.want)
			}
		})
	}
}

func TestStricter(t *testing.T) {
	tests := []struct {
		name string
		a, b Deadline
		want bool
	}{
		{"72 hours beats 3 business days", Deadline{Hours: 72}, Deadline{Days: 3, Business: true}, true},
		{"3 business days does not beat 72 hours", Deadline{Days: 3, Business: true}, Deadline{Hours: 72}, false},
		{"10 days beats 10 business days", Deadline{Days: 10}, Deadline{Days: 10, Business: true}, true},
		{"30 days beats 1 month", Deadline{Days: 30}, Deadline{Months: 1}, true},
		{"1 month beats 31 days", Deadline{Months: 1}, Deadline{Days: 31}, true},
		{"no extension beats an extension", Deadline{Days: 45}, Deadline{Days: 45, ExtendableDays: 45}, true},
		{"equal is not stricter", Deadline{Hours: 72}, Deadline{Days: 3}, false},
		{"5 business days beats 10 days", Deadline{Days: 5, Business: true}, Deadline{Days: 10}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stricter(tt.a, tt.b); got != tt.want {
				t.Errorf("stricter(%v, %v) = %t, want %t", tt.a, tt.b, got, tt.want)
			}
		})
	}
}
