package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rapport-crm/rapport/internal/config"
	"github.com/rapport-crm/rapport/internal/store"
)

// backupCmd writes a consistent copy of the whole database while it keeps
// serving: `rapport backup --out FILE`.
func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config.Config
	var out string
	if err := flags("backup", args, stderr, &cfg, []string{"db"}, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "out", "", "file to write (gzipped JSON lines; required)")
	}); err != nil {
		return err
	}
	if out == "" {
		return fmt.Errorf("backup: give the file to write with --out")
	}
	db, err := openStore(ctx, &cfg, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := writeAtomically(out, func(w io.Writer) (store.BackupStats, error) { return db.Backup(ctx, w) })
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %d rows of %d tables to %s\n", st.Rows, st.Tables, out)
	return nil
}

// exportCmd writes one organisation's data as JSON lines:
// `rapport export --org SLUG [--out FILE]` (standard output by default).
func exportCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config.Config
	var slug, out string
	if err := flags("export", args, stderr, &cfg, []string{"db"}, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "org", "", "the organisation's short name (required)")
		fs.StringVar(&out, "out", "", "file to write (default: standard output)")
	}); err != nil {
		return err
	}
	if slug == "" {
		return fmt.Errorf("export: name the organisation with --org")
	}
	db, err := openStore(ctx, &cfg, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	if out == "" {
		_, err := db.ExportOrg(ctx, slug, stdout)
		return describe(err)
	}
	st, err := writeAtomically(out, func(w io.Writer) (store.BackupStats, error) { return db.ExportOrg(ctx, slug, w) })
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stderr, "exported %d rows of %s to %s\n", st.Rows, slug, out)
	return nil
}

// restoreCmd reads a backup or an organisation's export into an empty
// database: `rapport restore --in FILE`.
func restoreCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config.Config
	var in string
	if err := flags("restore", args, stderr, &cfg, []string{"db"}, func(fs *flag.FlagSet) {
		fs.StringVar(&in, "in", "", "backup or export to read (required)")
	}); err != nil {
		return err
	}
	if in == "" {
		return fmt.Errorf("restore: give the backup to read with --in")
	}
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	db, err := openStore(ctx, &cfg, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := db.Restore(ctx, f)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "restored %d rows of %d tables from %s\n", st.Rows, st.Tables, in)
	return nil
}

// writeAtomically writes a file next to its destination and renames it
// into place only when complete, so a failed backup never leaves a file
// that looks whole.
func writeAtomically(path string, write func(io.Writer) (store.BackupStats, error)) (store.BackupStats, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return store.BackupStats{}, err
	}
	st, err := write(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return st, errors.Join(fmt.Errorf("write %s", path), err)
	}
	return st, nil
}
