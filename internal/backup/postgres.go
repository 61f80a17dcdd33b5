package backup

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"strings"
)

// pgxOnly are query parameters of a pgx URL that libpq (pg_dump,
// pg_restore) does not know and would refuse.
var pgxOnly = []string{"pool_max_conns", "pool_min_conns", "pool_min_idle_conns", "pool_max_conn_lifetime",
	"pool_max_conn_lifetime_jitter", "pool_max_conn_idle_time", "pool_health_check_period",
	"statement_cache_capacity", "description_cache_capacity", "default_query_exec_mode"}

// libpq turns a gwanmun PostgreSQL URL into what pg_dump and pg_restore
// take: a URL without the password (which goes into PGPASSWORD, out of
// the process list) and without pgx-only parameters. A search_path
// parameter names the schema gwanmun uses; it is returned and becomes the
// libpq option -csearch_path.
func libpq(u string) (conn string, env []string, schema string, err error) {
	pu, err := url.Parse(u)
	if err != nil {
		return "", nil, "", errors.New("unparsable PostgreSQL URL")
	}
	if pu.User != nil {
		if pw, ok := pu.User.Password(); ok {
			env = append(env, "PGPASSWORD="+pw)
			pu.User = url.User(pu.User.Username())
		}
	}
	q := pu.Query()
	for _, k := range pgxOnly {
		q.Del(k)
	}
	if sp := q.Get("search_path"); sp != "" {
		if strings.ContainsAny(sp, ", \"") {
			return "", nil, "", fmt.Errorf("search_path %q: give one plain schema name", sp)
		}
		schema = sp
		q.Del("search_path")
		q.Set("options", "-csearch_path="+sp)
	}
	pu.RawQuery = q.Encode()
	return pu.String(), env, schema, nil
}

// pgTool finds pg_dump or pg_restore on PATH.
func pgTool(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s is not installed: install Debian's postgresql-client (of the server's major version or newer), "+
			"or back up with your own pg_dump/pg_basebackup as docs/operations.md describes", name)
	}
	return p, nil
}

// backupPostgres streams pg_dump's custom-format archive of t, encrypted
// when a passphrase is given, into out.
func backupPostgres(ctx context.Context, t Target, out *os.File, o Options) (Result, error) {
	bin, err := pgTool("pg_dump")
	if err != nil {
		return Result{}, err
	}
	v, err := SchemaVersion(ctx, t.URL)
	if err != nil {
		return Result{}, fmt.Errorf("backup: %w", err)
	}
	if v == 0 {
		return Result{}, errors.New("backup: the database holds no gwanmun schema (no goose_db_version table)")
	}
	conn, env, schema, err := libpq(t.URL)
	if err != nil {
		return Result{}, err
	}
	args := []string{"--format=custom", "--no-password"}
	if schema != "" {
		args = append(args, "--schema="+schema)
	}
	args = append(args, "--dbname="+conn)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = o.log()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return Result{}, err
	}
	fmt.Fprintf(o.log(), "backup: pg_dump --format=custom%s\n", map[bool]string{true: " --schema=" + schema, false: ""}[schema != ""])
	if err := cmd.Start(); err != nil {
		return Result{}, fmt.Errorf("backup: pg_dump: %w", err)
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	if o.Passphrase != nil {
		err = Encrypt(bw, stdout, o.Passphrase)
	} else {
		_, err = io.Copy(bw, stdout)
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return Result{}, fmt.Errorf("backup: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		return Result{}, fmt.Errorf("backup: pg_dump failed (%v); its messages are above", err)
	}
	return Result{Format: PgDump, Encrypted: o.Passphrase != nil, SchemaVersion: v}, nil
}

// pgEmpty reports whether the PostgreSQL database of t holds no table: in
// its search_path schema when the URL names one, else in any schema but
// the system ones.
func pgEmpty(ctx context.Context, t Target) (bool, error) {
	db, err := openPlain(t)
	if err != nil {
		return false, err
	}
	defer db.Close()
	_, _, schema, err := libpq(t.URL)
	if err != nil {
		return false, err
	}
	var n int
	if schema != "" {
		err = db.QueryRowContext(ctx, "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = $1", schema).Scan(&n)
	} else {
		err = db.QueryRowContext(ctx, "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')").Scan(&n)
	}
	if err != nil {
		return false, fmt.Errorf("restore: inspect the target database: %w", err)
	}
	return n == 0, nil
}

// restorePostgres feeds the plaintext archive read from r to pg_restore,
// in one transaction: on any error, including a damaged encrypted
// backup, pg_restore is killed before its transaction commits.
func restorePostgres(ctx context.Context, t Target, r io.Reader, o Options) error {
	bin, err := pgTool("pg_restore")
	if err != nil {
		return err
	}
	conn, env, _, err := libpq(t.URL)
	if err != nil {
		return err
	}
	// gwanmun's schema uses pg_trgm, which its migrations create in the
	// schema public (migration 00009); a dump of one schema (search_path)
	// does not carry it.
	db, err := openPlain(t)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
	db.Close()
	if err != nil {
		return fmt.Errorf("restore: create the extension pg_trgm (gwanmun's migrations need it): %w", err)
	}
	args := []string{"--no-owner", "--no-acl", "--exit-on-error", "--single-transaction", "--no-password"}
	if o.Force {
		args = append(args, "--clean", "--if-exists")
	}
	args = append(args, "--dbname="+conn)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(cctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = o.log()
	cmd.Stdout = o.log()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	fmt.Fprintf(o.log(), "restore: pg_restore --single-transaction%s\n", map[bool]string{true: " --clean --if-exists", false: ""}[o.Force])
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("restore: pg_restore: %w", err)
	}
	if _, err := io.Copy(stdin, r); err != nil {
		cancel() // kill first: the transaction must not commit a prefix
		cmd.Wait()
		stdin.Close()
		return fmt.Errorf("restore: %w (nothing was restored)", err)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("restore: pg_restore failed (%v); its messages are above; nothing was restored", err)
	}
	return nil
}
