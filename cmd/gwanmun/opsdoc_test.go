package main

import (
	"bufio"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The configuration tables of docs/operations.md are generated from the
// flag sets themselves, so that they cannot drift: TestOperationsFlagTable
// fails when the document differs, and rewrites it with -update:
//
//	go test ./cmd/gwanmun -run TestOperationsFlagTable -update
var update = flag.Bool("update", false, "rewrite the generated tables of docs/operations.md")

// envOnly are the variables gwanmun reads that are not flags, with what
// they mean. TestEnvVarsDocumented fails when the code reads a GWANMUN_
// variable that is neither a flag's nor here.
var envOnly = []struct{ name, def, meaning string }{
	{"GWANMUN_SMTP_HOST", "", "SMTP server for e-mail notifications; unset: no e-mail is written at all (docs/notifications.md)"},
	{"GWANMUN_SMTP_PORT", "465 / 25 / 587", "SMTP port; the default follows GWANMUN_SMTP_TLS (implicit / none / starttls)"},
	{"GWANMUN_SMTP_TLS", "starttls", "starttls, implicit or none"},
	{"GWANMUN_SMTP_USER", "", "SMTP AUTH PLAIN user name (only over TLS)"},
	{"GWANMUN_SMTP_PASSWORD_FILE", "", "file holding the SMTP password (trailing newlines dropped)"},
	{"GWANMUN_SMTP_FROM", "", "sender address, a bare address (required with GWANMUN_SMTP_HOST)"},
	{"GWANMUN_SMTP_FROM_NAME", "관문", "sender display name"},
	{"GWANMUN_SMTP_TIMEOUT", "30s", "bound on the connection and each SMTP command (a Go duration)"},
	{"GOGC", "200", "Go's garbage collector target; gwanmun serve sets 200 unless GOGC is set (docs/performance.md)"},
}

// testOnlyEnv are variables only tests and benchmarks read.
var testOnlyEnv = []string{"GWANMUN_TEST_PG", "GWANMUN_CHROMIUM"}

var envInUsage = regexp.MustCompile(`GWANMUN_[A-Z0-9_]+`)

// cleanUsage drops the environment variable from a flag's usage text (it
// has a column of its own) and escapes it for a table cell.
func cleanUsage(u string) string {
	u = regexp.MustCompile(`\s*\(default from GWANMUN_[A-Z0-9_]+\)`).ReplaceAllString(u, "")
	u = regexp.MustCompile(`(;\s*)?default \$GWANMUN_[A-Z0-9_]+`).ReplaceAllString(u, "")
	u = regexp.MustCompile(`env GWANMUN_[A-Z0-9_]+(;\s*)?`).ReplaceAllString(u, "")
	u = strings.ReplaceAll(u, " ()", "")
	u = strings.ReplaceAll(u, "()", "")
	return strings.ReplaceAll(u, "|", `\|`)
}

func cell(s string) string {
	if s == "" {
		return "—"
	}
	return "`" + s + "`"
}

// flagTable renders fs as a Markdown table: flag, variable, default,
// meaning.
func flagTable(fs *flag.FlagSet) string {
	var b strings.Builder
	b.WriteString("| Flag | Environment variable | Default | Meaning |\n| --- | --- | --- | --- |\n")
	fs.VisitAll(func(f *flag.Flag) {
		env := envInUsage.FindString(f.Usage)
		def := f.DefValue
		if _, isList := f.Value.(*stringList); isList {
			def = ""
		}
		fmt.Fprintf(&b, "| `-%s` | %s | %s | %s |\n", f.Name, cell(env), cell(def), cleanUsage(f.Usage))
	})
	return b.String()
}

// withoutEnv clears every GWANMUN_ variable for the test, so that the
// flags' defaults are the built-in ones.
func withoutEnv(t *testing.T) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "GWANMUN_") {
			t.Setenv(k, "")
		}
	}
}

// generatedTables renders the tables of docs/operations.md by name.
func generatedTables(t *testing.T) map[string]string {
	withoutEnv(t)
	serve := flag.NewFlagSet("serve", flag.ContinueOnError)
	var sf serveFlags
	sf.register(serve, "data/gwanmun.db")

	var env strings.Builder
	env.WriteString("| Environment variable | Default | Meaning |\n| --- | --- | --- |\n")
	for _, e := range envOnly {
		fmt.Fprintf(&env, "| `%s` | %s | %s |\n", e.name, cell(e.def), strings.ReplaceAll(e.meaning, "|", `\|`))
	}

	bk := flag.NewFlagSet("backup", flag.ContinueOnError)
	var bf backupFlags
	bf.register(bk)
	rs := flag.NewFlagSet("restore", flag.ContinueOnError)
	var rf restoreFlags
	rf.register(rs)
	ab := flag.NewFlagSet("admin bootstrap", flag.ContinueOnError)
	var abf bootstrapFlags
	abf.register(ab)
	return map[string]string{
		"admin bootstrap flags": flagTable(ab),
		"serve flags":           flagTable(serve),
		"env only":              env.String(),
		"backup flags":          flagTable(bk),
		"restore flags":         flagTable(rs),
	}
}

const opsDoc = "../../docs/operations.md"

// TestOperationsFlagTable checks that the generated tables of
// docs/operations.md match the flag sets; -update rewrites them.
func TestOperationsFlagTable(t *testing.T) {
	doc, err := os.ReadFile(opsDoc)
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	tables := generatedTables(t)
	names := make([]string, 0, len(tables))
	for n := range tables {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		begin := "<!-- BEGIN generated: " + name + " -->\n"
		end := "<!-- END generated: " + name + " -->"
		i := strings.Index(text, begin)
		j := strings.Index(text, end)
		if i < 0 || j < i {
			t.Errorf("docs/operations.md lacks the markers %q and %q", strings.TrimSpace(begin), end)
			continue
		}
		if got := text[i+len(begin) : j]; got != tables[name] {
			if !*update {
				t.Errorf("docs/operations.md: the table %q differs from the flag set; run\n\tgo test ./cmd/gwanmun -run TestOperationsFlagTable -update\nwant:\n%s", name, tables[name])
				continue
			}
			text = text[:i+len(begin)] + tables[name] + text[j:]
		}
	}
	if *update && text != string(doc) {
		if err := os.WriteFile(opsDoc, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("rewrote docs/operations.md")
	}
}

// documentedEnv returns every variable of the generated tables.
func documentedEnv(t *testing.T) map[string]bool {
	known := map[string]bool{}
	for _, tbl := range generatedTables(t) {
		for _, v := range envInUsage.FindAllString(tbl, -1) {
			known[v] = true
		}
	}
	for _, e := range envOnly {
		known[e.name] = true
	}
	return known
}

// TestEnvVarsDocumented fails when gwanmun's code (cmd/, internal/, but
// not the test helpers) reads a GWANMUN_ variable that the tables of
// docs/operations.md do not list.
func TestEnvVarsDocumented(t *testing.T) {
	known := documentedEnv(t)
	lit := regexp.MustCompile(`"(GWANMUN_[A-Z0-9_]+)"`)
	for _, root := range []string{"../../cmd", "../../internal"} {
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "testenv" || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range lit.FindAllStringSubmatch(string(b), -1) {
				if !known[m[1]] && !slices.Contains(testOnlyEnv, m[1]) {
					t.Errorf("%s reads %s, which docs/operations.md does not document: make it a flag's variable, or add it to envOnly in cmd/gwanmun/opsdoc_test.go", path, m[1])
				}
			}
			return nil
		})
	}
}

// TestEnvExample checks that deploy/gwanmun.env.example sets (or shows,
// commented out) only variables that gwanmun reads.
func TestEnvExample(t *testing.T) {
	known := documentedEnv(t)
	f, err := os.Open("../../deploy/gwanmun.env.example")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	line := regexp.MustCompile(`^#?(GWANMUN_[A-Z0-9_]+)=`)
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		n++
		if !known[m[1]] {
			t.Errorf("deploy/gwanmun.env.example sets %s, which gwanmun does not read", m[1])
		}
	}
	if n < 10 {
		t.Errorf("only %d variables in the example", n)
	}
}
