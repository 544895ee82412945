package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/rapport-crm/rapport/internal/config"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// The operator's side of running a team: disable, enable, role, reset.
// The operator acts for the installation, so no role rule binds them; the
// store still keeps every organisation an active owner, and logs each
// change in the organisation's audit log as made at the command line.

// teamCmd runs `rapport user disable|enable|role|reset`.
type teamCmd struct {
	cfg          config.Config
	slug, email  string
	handTo, role string
	url          string
}

func (c *teamCmd) parse(name string, args []string, stderr io.Writer, extra func(fs *flag.FlagSet)) error {
	err := flags("user "+name, args, stderr, &c.cfg, []string{"db"}, func(fs *flag.FlagSet) {
		fs.StringVar(&c.slug, "org", "", "organisation slug (required)")
		fs.StringVar(&c.email, "email", "", "the user's email address (required)")
		if extra != nil {
			extra(fs)
		}
	})
	if err != nil {
		return err
	}
	if c.slug == "" || c.email == "" {
		fmt.Fprintf(stderr, "rapport user %s: --org and --email are required\n", name)
		return errUsage
	}
	return nil
}

// member finds the user by email in the organisation.
func member(ctx context.Context, db *store.DB, slug, email string) (*rapport.Org, *rapport.User, error) {
	org, err := db.OrgBySlug(ctx, slug)
	if err != nil {
		return nil, nil, describe(err)
	}
	u, err := db.MemberByEmail(ctx, rapport.Actor{Org: org.ID}, email)
	if err != nil {
		return nil, nil, fmt.Errorf("no user %s in %s", email, slug)
	}
	return org, u, nil
}

func userDisable(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c teamCmd
	if err := c.parse("disable", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&c.handTo, "hand-to", "", "email of the active user who takes over their people (required when they hold any)")
	}); err != nil {
		return err
	}
	db, err := openStore(ctx, &c.cfg, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	org, u, err := member(ctx, db, c.slug, c.email)
	if err != nil {
		return err
	}
	var to int64
	if c.handTo != "" {
		_, t, err := member(ctx, db, c.slug, c.handTo)
		if err != nil {
			return fmt.Errorf("--hand-to: %w", err)
		}
		to = t.ID
	}
	h, err := db.DisableUser(ctx, rapport.Actor{Org: org.ID}, u.ID, to)
	if rapport.ErrorCode(err) == rapport.EINVALID {
		return fmt.Errorf("--hand-to: %s", strings.Join(fieldMessages(err), " "))
	}
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "disabled %s in %s: %s\n", u.Email, org.Slug, h.Summary())
	return nil
}

// fieldMessages are an error's field messages (its message when it has
// none).
func fieldMessages(err error) []string {
	e, ok := err.(*rapport.Error)
	if !ok || len(e.Fields) == 0 {
		return []string{rapport.ErrorMessage(err)}
	}
	var out []string
	for _, m := range e.Fields {
		out = append(out, m)
	}
	return out
}

func userEnable(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c teamCmd
	if err := c.parse("enable", args, stderr, nil); err != nil {
		return err
	}
	db, err := openStore(ctx, &c.cfg, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	org, u, err := member(ctx, db, c.slug, c.email)
	if err != nil {
		return err
	}
	if _, err := db.EnableUser(ctx, rapport.Actor{Org: org.ID}, u.ID); err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "enabled %s in %s: they can sign in again (their people stay with whoever took them over)\n", u.Email, org.Slug)
	return nil
}

func userRole(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c teamCmd
	if err := c.parse("role", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&c.role, "role", "", "owner, manager or agent (required)")
	}); err != nil {
		return err
	}
	db, err := openStore(ctx, &c.cfg, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	org, u, err := member(ctx, db, c.slug, c.email)
	if err != nil {
		return err
	}
	was := u.Role
	if u, err = db.SetUserRole(ctx, rapport.Actor{Org: org.ID}, u.ID, rapport.Role(c.role)); err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "%s in %s: %s → %s\n", u.Email, org.Slug, was, u.Role)
	return nil
}

// userReset makes a one-time password reset link and prints it, the only
// time it is shown: the full link with --url, else its path.
func userReset(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c teamCmd
	if err := c.parse("reset", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&c.url, "url", "", "the address the team opens Rapport at, e.g. https://crm.example.com, to print the whole link")
	}); err != nil {
		return err
	}
	db, err := openStore(ctx, &c.cfg, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	org, u, err := member(ctx, db, c.slug, c.email)
	if err != nil {
		return err
	}
	link, err := db.CreatePasswordReset(ctx, rapport.Actor{Org: org.ID}, u.ID)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintln(stdout, strings.TrimRight(c.url, "/")+link.Path())
	where := ""
	if c.url == "" {
		where = " Put your Rapport server's address before it (or pass --url)."
	}
	fmt.Fprintf(stderr, "A password reset link for %s in %s: it works once, until %s, and is shown only this once.%s\n",
		u.Email, org.Slug, link.ExpiresAt.UTC().Format("2006-01-02 15:04 MST"), where)
	return nil
}
