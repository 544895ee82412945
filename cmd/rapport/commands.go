package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/carddav"
	"github.com/rapport-crm/rapport/internal/config"
	"github.com/rapport-crm/rapport/internal/demo"
	"github.com/rapport-crm/rapport/internal/egress"
	"github.com/rapport-crm/rapport/internal/inbound"
	"github.com/rapport-crm/rapport/internal/notify"
	"github.com/rapport-crm/rapport/internal/phone"
	"github.com/rapport-crm/rapport/internal/push"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/redact"
	"github.com/rapport-crm/rapport/internal/runner"
	"github.com/rapport-crm/rapport/internal/server"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/web"
)

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if rev != "" {
			if len(rev) > 12 {
				rev = rev[:12]
			}
			if dirty {
				rev += "-dirty"
			}
			return "dev-" + rev
		}
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
	}
	return "dev"
}

// flags parses a command's flags, with the shared settings in which.
func flags(name string, args []string, stderr io.Writer, cfg *config.Config, which []string, extra func(fs *flag.FlagSet)) error {
	fs := flag.NewFlagSet("rapport "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.Register(fs, which...)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errUsage
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "rapport %s: unexpected argument %q\n", name, fs.Arg(0))
		return errUsage
	}
	return cfg.Validate()
}

// openStore opens and migrates the configured database.
func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (*store.DB, error) {
	return openDB(ctx, store.Options{URL: cfg.DB, SessionURL: cfg.DBSession, Logger: log})
}

// openDB opens and migrates a database; its errors name it.
func openDB(ctx context.Context, opts store.Options) (*store.DB, error) {
	db, err := store.Open(ctx, opts)
	if errors.Is(err, store.ErrServerRunning) {
		return nil, err // it names the file and what to do
	}
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", redact.URL(opts.URL), err)
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		if strings.Contains(err.Error(), db.Name()) {
			return nil, err // it says which database already
		}
		return nil, fmt.Errorf("migrate database %s: %w", db.Name(), err)
	}
	return db, nil
}

func quietLogger(stderr io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn, ReplaceAttr: redact.Attr}))
}

func migrateCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config.Config
	if err := flags("migrate", args, stderr, &cfg, []string{"db", "log-level", "log-format"}, nil); err != nil {
		return err
	}
	db, err := openStore(ctx, &cfg, cfg.Logger(stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(stdout, "database %s is up to date\n", redact.URL(cfg.DB))
	return nil
}

func orgAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config.Config
	var org rapport.Org
	err := flags("org add", args, stderr, &cfg, []string{"db"}, func(fs *flag.FlagSet) {
		fs.StringVar(&org.Name, "name", "", "organisation name (required)")
		fs.StringVar(&org.Slug, "slug", "", "short name: lower-case letters, digits, dashes (required)")
		fs.StringVar(&org.Region, "region", "US", "country whose phone numbering applies by default")
		fs.StringVar(&org.TZ, "tz", "America/Chicago", "time zone")
	})
	if err != nil {
		return err
	}
	if org.Region != "" && !phone.ValidRegion(org.Region) {
		return fmt.Errorf("region %q is not a phone numbering region (use a country code such as US)", org.Region)
	}
	db, err := openStore(ctx, &cfg, quietLogger(stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CreateOrg(ctx, &org, nil); err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "created organisation %q (slug %s, id %d)\n", org.Name, org.Slug, org.ID)
	return nil
}

func userAdd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var cfg config.Config
	var slug, role string
	var fromStdin bool
	u := rapport.User{}
	err := flags("user add", args, stderr, &cfg, []string{"db"}, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "org", "", "organisation slug (required)")
		fs.StringVar(&u.Email, "email", "", "email address, used to sign in (required)")
		fs.StringVar(&role, "role", "", "owner, manager or agent (required)")
		fs.StringVar(&u.Name, "name", "", "full name")
		fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from standard input (required)")
	})
	if err != nil {
		return err
	}
	if !fromStdin {
		fmt.Fprintln(stderr, "rapport user add: --password-stdin is required, so the password never appears in a process list")
		return errUsage
	}
	u.Role = rapport.Role(role)
	password, err := readPassword(stdin)
	if err != nil {
		return err
	}
	if err := rapport.ValidatePassword(password); err != nil {
		return fmt.Errorf("password: %s", rapport.ErrorMessage(err))
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
	u.OrgID = org.ID
	if u.PasswordHash, err = auth.HashPassword(password); err != nil {
		return err
	}
	if err := db.CreateUser(ctx, rapport.Actor{Org: u.OrgID}, &u); err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "created %s %s in %s (id %d)\n", u.Role, u.Email, org.Slug, u.ID)
	return nil
}

// readPassword reads the first line of stdin.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// describe turns a domain error into a message with its fields.
func describe(err error) error {
	var e *rapport.Error
	if errors.As(err, &e) {
		if len(e.Fields) > 0 {
			return errors.New(e.FieldList())
		}
		return errors.New(e.Message)
	}
	return err
}

// pushSender sends the server's alerts, signed with the VAPID keys kept in
// the database (made at the first start) and naming the push contact.
func pushSender(ctx context.Context, db *store.DB, cfg *config.Config) (*push.Sender, error) {
	subject, err := cfg.PushSubject()
	if err != nil {
		return nil, err
	}
	public, private, err := db.VAPIDKeys(ctx, func() (string, string, error) {
		k, err := push.NewKeys()
		return k.Public, k.Private, err
	})
	if err != nil {
		return nil, err
	}
	keys := push.Keys{Public: public, Private: private}
	if err := keys.Validate(); err != nil {
		return nil, fmt.Errorf("the VAPID keys kept in the database: %w", err)
	}
	return &push.Sender{Keys: keys, Subject: subject}, nil
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config.Config
	var withDemo bool
	if err := flags("serve", args, stderr, &cfg, nil, func(fs *flag.FlagSet) {
		fs.BoolVar(&withDemo, "demo", false, "fill an empty database with a demo brokerage")
	}); err != nil {
		return err
	}
	log := cfg.Logger(stderr)
	log.Info("starting rapport", "version", version(), "config", cfg)
	// Exclusive: a second server on one SQLite file is refused, naming it.
	db, err := openDB(ctx, store.Options{URL: cfg.DB, SessionURL: cfg.DBSession, Logger: log, Exclusive: true, WebhookAllow: cfg.WebhookAllow()})
	if err != nil {
		return err
	}
	defer db.Close()
	// Before announcing anything: a server on a database that cannot take
	// a write would answer every change with an error.
	if err := db.CheckWritable(ctx); err != nil {
		return err
	}
	if n, err := db.FailInterruptedImports(ctx); err != nil {
		return err
	} else if n > 0 {
		log.Warn("imports interrupted by a server's stop were marked failed; nothing of them was written", "count", n)
	}
	if n, err := db.ReleaseLeases(ctx); err != nil {
		return err
	} else if n > 0 {
		log.Warn("messages a stopped server was sending are due again; a recipient may get one of them twice", "count", n)
	}
	var signIn string
	if withDemo {
		if signIn, err = prepareDemo(ctx, db, log); err != nil {
			return err
		}
	}
	// Background work — imports users start, the sweeps below — runs in
	// one runner, stopped after the last request in flight.
	jobs := runner.New(ctx, log)
	mailer, err := notify.ParseMailer(cfg.SMTPURL, log)
	if err != nil {
		return err
	}
	baseURL := strings.TrimRight(cfg.BaseURL, "/")
	if baseURL == "" {
		baseURL = "http://" + displayAddr(cfg.Addr)
		if cfg.TLSCert != "" {
			baseURL = "https://" + displayAddr(cfg.Addr)
		}
		log.Warn("no --base-url: links in email point to " + baseURL)
	}
	log.Info("email goes to " + mailer.String())
	sender, err := pushSender(ctx, db, &cfg)
	if err != nil {
		return err
	}
	log.Info("alerts by Web Push", "vapid_public_key", sender.PublicKey(), "contact", sender.Subject)
	outbox := &notify.Outbox{DB: db, Mail: mailer, BaseURL: baseURL, Log: log,
		Push:     &notify.Devices{DB: db, Sender: sender, BaseURL: baseURL},
		Webhooks: api.Webhooks{DB: db}, WebhookClient: egress.Client(cfg.WebhookAllow(), notify.WebhookTimeout)}
	if cfg.WebhooksAllowPrivate {
		log.Warn("webhook endpoints may be at private addresses (--webhooks-allow-private): anyone who manages webhooks can make this server call inside your network")
	}
	// Email onto the timeline: users' private addresses are at this
	// domain when the receiver runs.
	inboundDomain := ""
	if cfg.SMTPListen != "" {
		if inboundDomain = cfg.InboundDomain; inboundDomain == "" {
			inboundDomain = hostOnly(baseURL)
		}
	}
	rate, burst := cfg.APILimits()
	apiServer := api.New(api.Options{DB: db, Logger: log, RatePerMinute: rate, Burst: burst, Push: sender, InboundDomain: inboundDomain})
	// The SMTP receiver listens before anything starts, so that a port
	// it cannot take stops the server cleanly.
	var inLn net.Listener
	if inboundDomain != "" {
		if inLn, err = net.Listen("tcp", cfg.SMTPListen); err != nil {
			return fmt.Errorf("--smtp-listen: %w", err)
		}
		defer inLn.Close()
	}
	app, err := web.New(web.Options{DB: db, Logger: log, SecureCookies: cfg.SecureCookies, Jobs: jobs, Push: sender, InboundDomain: inboundDomain})
	if err != nil {
		return err
	}
	proxies, _ := cfg.Proxies() // checked by Validate
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           server.New(app, apiServer, carddav.New(carddav.Options{DB: db, Logger: log}), proxies, cfg.InFlight(), log),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12},
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	srv.RegisterOnShutdown(app.EndStreams)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	url := scheme + "://" + displayAddr(ln.Addr().String())
	log.Info("listening", "url", url)
	fmt.Fprintf(stdout, "Rapport is running at %s\n", url)
	if signIn != "" {
		fmt.Fprintln(stdout, signIn)
	}
	jobs.Every("clean sessions", time.Hour, func(ctx context.Context) error {
		n, err := db.DeleteExpiredSessions(ctx)
		if n > 0 {
			log.Info("expired sessions removed", "count", n)
		}
		return err
	})
	jobs.Every("forget sign-in failures", time.Hour, func(ctx context.Context) error {
		_, err := db.ForgetSignInFailures(ctx)
		return err
	})
	jobs.Every("prune messages", time.Hour, func(ctx context.Context) error {
		n, err := db.PruneMessages(ctx, time.Now())
		if n > 0 {
			log.Info("messages and webhook tries past their keeping removed", "count", n, "kept", store.MessageRetention.String())
		}
		return err
	})
	// Messages: the outbox's runner delivers what transactions wrote;
	// the sweeps write what time causes (promises due, the agenda, the
	// claim window). Signals (new leads on Today, new messages) come
	// through the database when servers share it.
	jobs.Go("signals", func(ctx context.Context) error { db.Listen(ctx, nil); return nil })
	jobs.Go("outbox", func(ctx context.Context) error { outbox.Run(ctx); return nil })
	jobs.Every("alerts", 30*time.Second, func(ctx context.Context) error {
		now := time.Now()
		_, err1 := db.SweepPromises(ctx, now)
		_, err2 := db.SweepAgendas(ctx, now)
		n, err3 := db.SweepClaims(ctx, now)
		if n > 0 {
			log.Info("new leads passed on for want of an attempt", "count", n)
		}
		return errors.Join(err1, err2, err3)
	})
	if signIn != "" {
		// The demo's lead source: a new lead a minute after start, then
		// every ten minutes, so that the alerts (in the log) and live
		// Today can be seen.
		jobs.Go("demo leads", func(ctx context.Context) error {
			for wait := time.Minute; ; wait = 10 * time.Minute {
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(wait):
				}
				p, err := demo.ArriveLead(ctx, db, time.Now())
				if err != nil {
					return err
				}
				log.Info("demo: a new lead arrived", "person", p.ID, "owner", p.OwnerID)
			}
		})
	}
	jobs.Go("search indexer", func(ctx context.Context) error { db.RunIndexer(ctx, 2*time.Second); return nil })
	// Imports a stopped server was running are taken over by a live one
	// (servers sharing PostgreSQL) and run for their user here.
	jobs.Go("watch imports", func(ctx context.Context) error {
		db.WatchImports(ctx, store.ImportStale/2, app.ResumeImport)
		return nil
	})

	if inLn != nil {
		in := (&inbound.Server{DB: db, Domain: inboundDomain, Log: log}).New(cfg.SMTPListen)
		log.Info("receiving email for private addresses", "addr", inLn.Addr().String(), "domain", inboundDomain)
		jobs.Go("smtp receiver", func(ctx context.Context) error {
			go func() { <-ctx.Done(); in.Close() }()
			if err := in.Serve(inLn); err != nil && ctx.Err() == nil {
				return err
			}
			return nil
		})
	}
	errc := make(chan error, 1)
	go func() {
		if cfg.TLSCert != "" {
			errc <- srv.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	// Imports in progress run to their end (each is one transaction that a
	// stop would throw away); sweeps stop at once.
	if !jobs.Stop(shutdownCtx) {
		log.Warn("stopped with background work still running")
	}
	log.Info("stopped")
	return nil
}

// displayAddr turns a listening address into one a browser can open.
func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" || host == "127.0.0.1" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// prepareDemo seeds the demo brokerage into an empty database, or resets
// its owner's password when it is already there, and says how to sign in.
func prepareDemo(ctx context.Context, db *store.DB, log *slog.Logger) (string, error) {
	password := os.Getenv("RAPPORT_DEMO_PASSWORD")
	generated := password == ""
	if generated {
		password = auth.RandomPassword()
	} else if err := rapport.ValidatePassword(password); err != nil {
		return "", fmt.Errorf("RAPPORT_DEMO_PASSWORD: %s", rapport.ErrorMessage(err))
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return "", err
	}
	has, err := db.HasOrgs(ctx)
	if err != nil {
		return "", err
	}
	switch {
	case !has:
		start := time.Now()
		if _, err := demo.Seed(ctx, db, time.Now(), hash); err != nil {
			return "", fmt.Errorf("seed demo: %w", err)
		}
		log.Info("demo brokerage created", "took", time.Since(start).Round(time.Millisecond))
	default:
		org, err := db.OrgBySlug(ctx, demo.OrgSlug)
		if rapport.ErrorCode(err) == rapport.ENOTFOUND {
			log.Warn("--demo ignored: the database already holds organisations and no demo brokerage")
			return "", nil
		} else if err != nil {
			return "", err
		}
		for _, du := range demo.Users {
			u, err := db.MemberByEmail(ctx, rapport.Actor{Org: org.ID}, du.Email)
			if rapport.ErrorCode(err) == rapport.ENOTFOUND {
				continue
			}
			if err != nil {
				return "", err
			}
			if err := db.SetPassword(ctx, rapport.Actor{Org: u.OrgID}, u.ID, hash, ""); err != nil {
				return "", err
			}
		}
		log.Info("demo brokerage already present; demo passwords reset")
	}
	msg := "Sign in as " + demo.OwnerEmail + " with password " + password
	if !generated {
		msg = "Sign in as " + demo.OwnerEmail + " with the password in RAPPORT_DEMO_PASSWORD"
	}
	return msg + " (other demo users: " + demo.ManagerEmail + " — the hiring manager, for Recruiting — and agents priya@demo.test, diego@demo.test; same password)", nil
}

// tokenCreate makes an API key for a user and prints it once.
func tokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config.Config
	var slug, email, name string
	err := flags("token create", args, stderr, &cfg, []string{"db"}, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "org", "", "organisation slug (required)")
		fs.StringVar(&email, "email", "", "the user the key acts for (required)")
		fs.StringVar(&name, "name", "", "what the key is for, e.g. Zillow")
	})
	if err != nil {
		return err
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
	u, err := db.MemberByEmail(ctx, rapport.Actor{Org: org.ID}, email)
	if err != nil {
		return fmt.Errorf("no user %s in %s", email, slug)
	}
	key, prefix, hash := auth.NewAPIKey()
	if err := db.CreateAPIKey(ctx, rapport.Actor{Org: org.ID}, &store.APIKey{OrgID: org.ID, UserID: u.ID, Name: name, Prefix: prefix, Hash: hash}); err != nil {
		return describe(err)
	}
	fmt.Fprintln(stdout, key)
	fmt.Fprintf(stderr, "API key %s… for %s in %s; it is shown only this once.\n", prefix, u.Email, org.Slug)
	return nil
}

// hostOnly is a URL's host without its port.
func hostOnly(u string) string {
	h := strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	if i := strings.IndexByte(h, '/'); i >= 0 {
		h = h[:i]
	}
	if host, _, err := net.SplitHostPort(h); err == nil {
		return host
	}
	return h
}
