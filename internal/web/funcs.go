package web

import (
	"fmt"
	"html/template"
	"time"

	"github.com/gwanmun/gwanmun/internal/signup"
)

// kst is the time zone the portal's users live in.
var kst = time.FixedZone("KST", 9*60*60)

// pageFuncs are the template functions of the feature pages.
func pageFuncs(lang string) template.FuncMap {
	return template.FuncMap{
		"add": func(a, b int) int { return a + b },
		"sub": func(a, b int) int { return a - b },
		// seq returns 1..n, for pagers.
		"seq": func(n int) []int {
			out := make([]int, min(n, 200))
			for i := range out {
				out[i] = i + 1
			}
			return out
		},
		"pageWindow": pageWindow,
		// field bundles the arguments of the "field" partial.
		"field": func(name, label, value string, errs map[string]string, typ, help, auto string) map[string]string {
			return map[string]string{"Name": name, "Label": label, "Value": value, "Error": errs[name],
				"Type": typ, "Help": help, "Auto": auto}
		},
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("dict: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		"phone": signup.FormatPhone,
		"datetime": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(kst).Format("2006-01-02 15:04")
		},
		"waiting": func(d time.Duration) string { return waiting(lang, d) },
	}
}

// waiting says how long something has waited, in whole days, hours or
// minutes.
func waiting(lang string, d time.Duration) string {
	switch {
	case d >= 24*time.Hour:
		return fmt.Sprintf(pick(lang, "%d일", "%d d"), int(d.Hours()/24))
	case d >= time.Hour:
		return fmt.Sprintf(pick(lang, "%d시간", "%d h"), int(d.Hours()))
	}
	return fmt.Sprintf(pick(lang, "%d분", "%d min"), int(d.Minutes()))
}

func pick(lang, ko, en string) string {
	if lang == "en" {
		return en
	}
	return ko
}

// pageWindow returns the page numbers a pager shows for page cur of
// pages: the first and the last, and two on each side of cur, with a 0
// where numbers are left out ("1 … 7 8 9 10 11 … 2900").
func pageWindow(cur, pages int) []int {
	cur = max(1, min(cur, pages))
	var out []int
	last := 0
	for i := 1; i <= pages; i++ {
		if i != 1 && i != pages && (i < cur-2 || i > cur+2) {
			continue
		}
		switch {
		case last == 0 || i == last+1:
		case i == last+2: // a gap of one page: show the page instead
			out = append(out, last+1)
		default:
			out = append(out, 0)
		}
		out, last = append(out, i), i
	}
	return out
}
