// Command rapport is Rapport: the server and the operator's commands.
//
//	rapport serve [--demo]          run the web application
//	rapport migrate                 apply database migrations
//	rapport org add ...             add an organisation
//	rapport user add ...            add a user to an organisation
//	rapport user disable|enable ... offboard someone (handing their people over), or let them back
//	rapport user role|reset ...     change a role; make a one-time password reset link
//	rapport token create ...        make an API key (printed once)
//	rapport import ...              import people from a CSV file
//	rapport bench [--people N]      measure Rapport at scale on this machine
//	rapport version                 print the version
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // time zones work on machines without a zoneinfo database

	"github.com/rapport-crm/rapport/internal/redact"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// errUsage marks a mistake in how the command was called (exit status 2).
var errUsage = errors.New("usage")

const usage = `Rapport — a conversation-first CRM.

Usage:
  rapport serve [--demo] [--addr ADDR] [--db PATH-OR-URL]
  rapport migrate [--db PATH-OR-URL]
  rapport org add --name NAME --slug SLUG [--region US] [--tz America/Chicago]
  rapport user add --org SLUG --email EMAIL --role owner|manager|agent [--name NAME] --password-stdin
  rapport user disable --org SLUG --email EMAIL [--hand-to EMAIL]
  rapport user enable --org SLUG --email EMAIL
  rapport user role --org SLUG --email EMAIL --role owner|manager|agent
  rapport user reset --org SLUG --email EMAIL [--url https://crm.example.com]
  rapport token create --org SLUG --email EMAIL [--name NAME]
  rapport import --org SLUG --file F [--preset NAME] [--owner EMAIL] [--source NAME] [--referred-by PERSON_ID] [--dry-run]
  rapport bench [--people N] [--requests N]
  rapport bench --load [--users 200] [--duration 30s] [--people 20000] [--db POSTGRES-URL]
                       [--servers N [--haproxy PATH] [--kill-after D]] [--disrupt-after D --disrupt-cmd CMD]
  rapport backup --out FILE          (online: the server may keep running)
  rapport restore --in FILE          (into an empty database)
  rapport export --org SLUG [--out FILE]
  rapport version

Settings come from flags or RAPPORT_* environment variables; run a
command with -h to see them.
`

// run executes one command and returns the process exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	err := dispatch(ctx, args, stdin, stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		// Errors may quote a connection string (a driver's, a URL's).
		fmt.Fprintln(stderr, "rapport:", redact.Text(err.Error()))
		return 1
	}
}

func dispatch(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, stdout, stderr)
	case "migrate":
		return migrateCmd(ctx, rest, stdout, stderr)
	case "org":
		if len(rest) > 0 && rest[0] == "add" {
			return orgAdd(ctx, rest[1:], stdout, stderr)
		}
	case "user":
		if len(rest) > 0 {
			switch rest[0] {
			case "add":
				return userAdd(ctx, rest[1:], stdin, stdout, stderr)
			case "disable":
				return userDisable(ctx, rest[1:], stdout, stderr)
			case "enable":
				return userEnable(ctx, rest[1:], stdout, stderr)
			case "role":
				return userRole(ctx, rest[1:], stdout, stderr)
			case "reset":
				return userReset(ctx, rest[1:], stdout, stderr)
			}
		}
	case "import":
		return importCmd(ctx, rest, stdin, stdout, stderr)
	case "bench":
		return benchCmd(ctx, rest, stdout, stderr)
	case "backup":
		return backupCmd(ctx, rest, stdout, stderr)
	case "restore":
		return restoreCmd(ctx, rest, stdout, stderr)
	case "export":
		return exportCmd(ctx, rest, stdout, stderr)
	case "token":
		if len(rest) > 0 && rest[0] == "create" {
			return tokenCreate(ctx, rest[1:], stdout, stderr)
		}
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "rapport", version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", joinArgs(args), usage)
	return errUsage
}

func joinArgs(args []string) string {
	if len(args) > 1 {
		return args[0] + " " + args[1]
	}
	return args[0]
}
