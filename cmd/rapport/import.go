package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/rapport-crm/rapport/internal/config"
	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// mapFlags collects --map "Header=field", repeated.
type mapFlags map[string]string

func (m mapFlags) String() string { return "" }

func (m mapFlags) Set(v string) error {
	header, field, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(header) == "" {
		return fmt.Errorf("write Header=field, such as \"Cell #=phone\"")
	}
	m[strings.TrimSpace(header)] = strings.TrimSpace(field)
	return nil
}

// importCmd imports a CSV or vCard file and prints one JSON report.
func importCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var cfg config.Config
	var slug, file, preset, owner, source, referredBy, kind, period string
	var dryRun, listFields bool
	remap := mapFlags{}
	err := flags("import", args, stderr, &cfg, []string{"db"}, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "org", "", "organisation slug (required)")
		fs.StringVar(&file, "file", "", "CSV or vCard file to import, or - for standard input (required)")
		fs.StringVar(&preset, "preset", "", "file layout: "+strings.Join(importer.PresetNames(), ", ")+" (detected when empty)")
		fs.Var(remap, "map", `map a column by hand, "Header=field" (repeat for more; field "" keeps it as imported); --fields lists the fields`)
		fs.BoolVar(&listFields, "fields", false, "list the fields a column can be mapped to, and the presets, then exit")
		fs.StringVar(&owner, "owner", "", "email of the user who owns people whose row names no owner")
		fs.StringVar(&source, "source", "", "source of people whose row names none")
		fs.StringVar(&referredBy, "referred-by", "", "id of the person who gave the list; everyone imported is linked to them")
		fs.StringVar(&kind, "kind", "", "lead, client, sphere or recruit for rows that say none (default: the preset's)")
		fs.StringVar(&period, "period", "", "last day (YYYY-MM-DD) of the 12 months a production report covers (default: today)")
		fs.BoolVar(&dryRun, "dry-run", false, "check the file and report what would happen, writing nothing")
	})
	if err != nil {
		return err
	}
	if listFields {
		return printFields(stdout)
	}
	if slug == "" || file == "" {
		fmt.Fprintln(stderr, "rapport import: --org and --file are required")
		return errUsage
	}
	db, err := openStore(ctx, &cfg, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	org, err := db.OrgBySlug(ctx, slug)
	if err != nil {
		return describe(err)
	}
	opts := importer.Options{Preset: preset, Region: org.Region, Source: source, DryRun: dryRun, Kind: rapport.Kind(kind), Remap: remap,
		Origin: filepath.Base(file)}
	if file == "-" {
		opts.Origin = "standard input"
	}
	if kind != "" && !opts.Kind.Valid() {
		return fmt.Errorf("--kind %q: use lead, client, sphere or recruit", kind)
	}
	if period != "" {
		if opts.Period, err = rapport.ParseDay(period); err != nil {
			return fmt.Errorf("--period: %v", err)
		}
	}
	actor, err := orgOwner(ctx, db, org.ID)
	if err != nil {
		return err
	}
	if owner != "" {
		u, err := db.MemberByEmail(ctx, rapport.Actor{Org: org.ID}, owner)
		if err != nil {
			return fmt.Errorf("--owner: no user %s in %s", owner, slug)
		}
		opts.OwnerID = u.ID
	}
	if referredBy != "" {
		id, err := strconv.ParseInt(referredBy, 10, 64)
		if err != nil {
			return fmt.Errorf("--referred-by: use the person's id, a number")
		}
		if _, err := db.Person(ctx, rapport.Actor{Org: org.ID}, id); err != nil {
			return fmt.Errorf("--referred-by: no person %d in %s", id, slug)
		}
		opts.ReferredByID = id
	}
	src := stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil {
			opts.Expected = int(st.Size() / 80)
		}
		src = f
	}
	// A vCard file is told by what it holds, not by its name.
	br := bufio.NewReaderSize(src, 4096)
	head, _ := br.Peek(512)
	var rep *importer.Report
	if importer.LooksLikeVCard(head) {
		if len(remap) > 0 || preset != "" {
			return fmt.Errorf("%s is a vCard file: --map and --preset are for CSV files", file)
		}
		rep, err = importer.ImportVCards(ctx, db, org.ID, actor, br, opts)
	} else {
		rep, err = importer.Import(ctx, db, org.ID, actor, br, opts)
	}
	if err != nil {
		return fmt.Errorf("%s: %s (nothing was imported)", file, describe(err))
	}
	enc := json.NewEncoder(stdout)
	if err := enc.Encode(rep); err != nil {
		return err
	}
	if !dryRun {
		// Make the new people searchable now rather than when a server runs.
		for {
			n, err := db.IndexBacklog(ctx)
			if err != nil {
				return err
			}
			if n == 0 {
				break
			}
		}
	}
	return nil
}

// printFields lists what --map and --preset accept.
func printFields(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FIELD\tWHAT IT IS")
	fmt.Fprintln(tw, "\"\" (or ignore)\tkept with the person as imported")
	for _, f := range importer.Fields {
		line := f.Label()
		if h := f.Help(); h != "" {
			line += " — " + h
		}
		fmt.Fprintf(tw, "%s\t%s\n", f, line)
	}
	fmt.Fprintln(tw, "\nPRESET\tLAYOUT")
	for _, p := range importer.Presets {
		fmt.Fprintf(tw, "%s\t%s: %s\n", p.Name, p.Label, p.Doc)
	}
	return tw.Flush()
}

// orgOwner returns the id of the organisation's first active owner, who
// is the actor of operator commands.
func orgOwner(ctx context.Context, db *store.DB, orgID int64) (int64, error) {
	users, err := db.Users(ctx, rapport.Actor{Org: orgID})
	if err != nil {
		return 0, err
	}
	for _, u := range users {
		if u.Role == rapport.RoleOwner && u.Active() {
			return u.ID, nil
		}
	}
	if len(users) > 0 {
		return users[0].ID, nil
	}
	return 0, fmt.Errorf("the organisation has no users; add one with rapport user add")
}
