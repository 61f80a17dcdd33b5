package review_test

import (
	"fmt"
	"testing"

	"github.com/gwanmun/gwanmun/internal/review"
)

func TestParseReminderDays(t *testing.T) {
	for in, want := range map[string]string{"7,3,1": "[7 3 1]", "D-7 D-3": "[7 3]", " 14 , 1 ": "[14 1]", "": "[]"} {
		got, err := review.ParseReminderDays(in)
		if err != nil || fmt.Sprint(got) != want {
			t.Errorf("ParseReminderDays(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"0", "61", "x", "7;3", "-1", "1,2,3,4,5,6,7,8,9,10,11"} {
		if _, err := review.ParseReminderDays(in); err != review.ErrBadReminderDays {
			t.Errorf("ParseReminderDays(%q) = %v, want ErrBadReminderDays", in, err)
		}
	}
}

func FuzzParseReminderDays(f *testing.F) {
	for _, s := range []string{"7,3,1", "D-7 D-3", "", "61", "d-1,,2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		days, err := review.ParseReminderDays(s)
		if err != nil {
			return
		}
		if len(days) > 10 {
			t.Fatalf("%q gave %d days", s, len(days))
		}
		for _, d := range days {
			if d < 1 || d > 60 {
				t.Fatalf("%q gave day %d", s, d)
			}
		}
	})
}

func FuzzParseMonth(f *testing.F) {
	for _, s := range []string{"2026-03", "2026-13", "", "２０２６-03"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		from, to, err := review.ParseMonth(s)
		if err == nil && !to.After(from) {
			t.Fatalf("%q: %v .. %v", s, from, to)
		}
	})
}
