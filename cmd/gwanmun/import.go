package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/gwanmun/gwanmun/internal/importer"
)

func init() {
	register("import", command{
		summary: "import institutions from a CSV file (docs/import.md)",
		run:     runImport,
	})
}

// runImport implements "gwanmun import --db URL [--update] FILE.csv".
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gwanmun import [--db URL] [--update] FILE.csv\n\n"+
			"Imports institutions from a UTF-8 CSV file (see docs/import.md); FILE - reads standard input.\n"+
			"A file with any bad row imports nothing.")
		fs.PrintDefaults()
	}
	db := addDBFlag(fs)
	update := fs.Bool("update", false, "update institutions whose code already exists instead of rejecting the row")
	// Accept flags after the file name too.
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return usageError(err)
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) != 1 {
		fs.Usage()
		return &exitError{code: 2, err: errors.New("import: give exactly one CSV file")}
	}
	var r io.Reader = os.Stdin
	if files[0] != "-" {
		f, err := os.Open(files[0])
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	opt := importer.Options{}
	if *update {
		opt.Existing = importer.ExistingUpdate
	}
	c, err := importer.InstitutionsWith(ctx, st, r, opt)
	var ie *importer.Error
	if errors.As(err, &ie) {
		fmt.Fprintf(stderr, "%s: %v\n", files[0], ie)
		return &exitError{code: 1, err: errors.New("")}
	} else if err != nil {
		return err
	}
	if *update {
		fmt.Fprintf(stdout, "가져오기 완료: %d개 기관 등록, %d개 갱신 (imported %d institutions, updated %d)\n", c.Created, c.Updated, c.Created, c.Updated)
	} else {
		fmt.Fprintf(stdout, "가져오기 완료: %d개 기관 등록 (imported %d institutions)\n", c.Created, c.Created)
	}
	return nil
}
