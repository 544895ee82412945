// Package config reads Rapport's settings from flags, each mirrored by a
// RAPPORT_* environment variable, into one struct that is passed around
// explicitly.
package config

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/egress"
	"github.com/rapport-crm/rapport/internal/redact"
)

// Config is every setting of the server and the operator commands.
type Config struct {
	Addr          string
	DB            string
	LogLevel      string
	LogFormat     string
	TLSCert       string
	TLSKey        string
	SecureCookies bool
	// APIRate and APIBurst bound each API key: a burst refilled per minute.
	APIRate  string
	APIBurst string
	// MaxInFlight bounds the requests worked on at once (see InFlight).
	MaxInFlight string
	// TrustedProxies are the addresses (CIDRs) of the reverse proxies in
	// front of Rapport, whose X-Forwarded-For is believed.
	TrustedProxies string
	// SMTPURL is where email goes ("log:" writes it to the log);
	// BaseURL is the server's public address, for links in messages.
	SMTPURL string
	BaseURL string
	// SMTPListen, when set, is the address of the SMTP receiver for
	// users' private addresses (email onto the timeline), whose domain
	// is InboundDomain (the base URL's host when empty).
	SMTPListen    string
	InboundDomain string
	// PushContact is how the operators of push services (Google's,
	// Mozilla's, Apple's) reach whoever runs this server about its alerts:
	// a mailto: address or an https URL (see PushSubject).
	PushContact string
	// DBSession is a direct PostgreSQL URL for what needs a session (see
	// store.Options.SessionURL), when DB goes through a pooling proxy.
	DBSession string
	// WebhooksAllowPrivate lets webhook endpoints be at loopback, private
	// and link-local addresses (receivers inside the operator's network);
	// off, they must be on the internet (server-side request forgery).
	WebhooksAllowPrivate bool
}

// WebhookAllow is where webhook endpoints may be.
func (c *Config) WebhookAllow() egress.Allow {
	if c.WebhooksAllowPrivate {
		return egress.Private
	}
	return egress.Public
}

// Default values, before the environment and flags.
const (
	DefaultAddr        = "127.0.0.1:8080"
	DefaultDB          = "rapport.db"
	DefaultPushContact = "mailto:admin@localhost"
)

type setting struct {
	flag, env, usage string
	str              *string
	boolean          *bool
	def              string
}

func (c *Config) settings() []setting {
	return []setting{
		{flag: "addr", env: "RAPPORT_ADDR", usage: "address to listen on", str: &c.Addr, def: DefaultAddr},
		{flag: "db", env: "RAPPORT_DB", usage: "SQLite file, or a postgres:// URL", str: &c.DB, def: DefaultDB},
		{flag: "db-session", env: "RAPPORT_DB_SESSION",
			usage: "with --db through PgBouncer's transaction pooling: a direct postgres:// URL of the same database, for LISTEN and the migration lock", str: &c.DBSession},
		{flag: "log-level", env: "RAPPORT_LOG_LEVEL", usage: "debug, info, warn or error", str: &c.LogLevel, def: "info"},
		{flag: "log-format", env: "RAPPORT_LOG_FORMAT", usage: "text or json", str: &c.LogFormat, def: "text"},
		{flag: "tls-cert", env: "RAPPORT_TLS_CERT", usage: "TLS certificate file (serve HTTPS)", str: &c.TLSCert},
		{flag: "tls-key", env: "RAPPORT_TLS_KEY", usage: "TLS key file", str: &c.TLSKey},
		{flag: "secure-cookies", env: "RAPPORT_SECURE_COOKIES", usage: "mark cookies Secure (behind a TLS proxy)", boolean: &c.SecureCookies},
		{flag: "api-rate", env: "RAPPORT_API_RATE", usage: "API requests per minute per key", str: &c.APIRate, def: "600"},
		{flag: "api-burst", env: "RAPPORT_API_BURST", usage: "API requests a key may burst", str: &c.APIBurst, def: "120"},
		{flag: "max-inflight", env: "RAPPORT_MAX_INFLIGHT",
			usage: "requests worked on at once, the others waiting their turn (0: no limit; default 4 per CPU core)", str: &c.MaxInFlight},
		{flag: "trusted-proxies", env: "RAPPORT_TRUSTED_PROXIES",
			usage: "comma-separated addresses or CIDRs of the reverse proxies whose X-Forwarded-For names the client", str: &c.TrustedProxies},
		{flag: "smtp-url", env: "RAPPORT_SMTP_URL",
			usage: "where email goes: smtp://user:pass@host:587?from=crm@example.com (STARTTLS), smtps://… (TLS) or log: (the log)", str: &c.SMTPURL, def: "log:"},
		{flag: "smtp-listen", env: "RAPPORT_SMTP_LISTEN", usage: "address for the SMTP receiver of users' private addresses (email onto the timeline), e.g. :2525; off when empty", str: &c.SMTPListen},
		{flag: "inbound-domain", env: "RAPPORT_INBOUND_DOMAIN", usage: "domain of users' private addresses (its MX points here); the base URL's host when empty", str: &c.InboundDomain},
		{flag: "base-url", env: "RAPPORT_BASE_URL", usage: "the server's public address, for links in email and alerts (e.g. https://crm.example.com)", str: &c.BaseURL},
		{flag: "push-contact", env: "RAPPORT_PUSH_CONTACT",
			usage: "how push services reach this server's operator about its alerts: mailto:you@example.com or an https URL", str: &c.PushContact, def: DefaultPushContact},
		{flag: "webhooks-allow-private", env: "RAPPORT_WEBHOOKS_ALLOW_PRIVATE",
			usage: "let webhook endpoints be at loopback, private and link-local addresses (receivers inside your network)", boolean: &c.WebhooksAllowPrivate},
	}
}

// Register adds the settings named in which (all when empty) to fs, with
// defaults taken from the environment.
func (c *Config) Register(fs *flag.FlagSet, which ...string) {
	for _, s := range c.settings() {
		env, set := os.LookupEnv(s.env)
		if len(which) > 0 && !contains(which, s.flag) {
			// Not a flag of this command, but still a setting with a value.
			if s.str != nil {
				*s.str = s.def
				if set && env != "" {
					*s.str = env
				}
			}
			continue
		}
		usage := fmt.Sprintf("%s (env %s)", s.usage, s.env)
		if s.boolean != nil {
			b, _ := strconv.ParseBool(env)
			fs.BoolVar(s.boolean, s.flag, set && b, usage)
			continue
		}
		def := s.def
		if set && env != "" {
			def = env
		}
		fs.StringVar(s.str, s.flag, def, usage)
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// Validate checks settings that can be wrong before anything starts.
func (c *Config) Validate() error {
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("log format %q: use text or json", c.LogFormat)
	}
	if _, err := c.Level(); err != nil {
		return err
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fmt.Errorf("give both a TLS certificate and a key, or neither")
	}
	if c.DB == "" {
		return fmt.Errorf("no database: set RAPPORT_DB or --db")
	}
	if _, err := c.Proxies(); err != nil {
		return err
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("base url %q: use the address people open, such as https://crm.example.com", c.BaseURL)
		}
	}
	if _, err := c.PushSubject(); err != nil {
		return err
	}
	for name, v := range map[string]string{"api-rate": c.APIRate, "api-burst": c.APIBurst} {
		if n, err := strconv.Atoi(v); v != "" && (err != nil || n < 1) {
			return fmt.Errorf("%s %q: use a whole number above zero", name, v)
		}
	}
	if n, err := strconv.Atoi(c.MaxInFlight); c.MaxInFlight != "" && (err != nil || n < 0) {
		return fmt.Errorf("max-inflight %q: use a whole number (0 for no limit)", c.MaxInFlight)
	}
	return nil
}

// InFlight is how many requests the server works on at once: MaxInFlight,
// or DefaultInFlight when it is not set.
func (c *Config) InFlight() int {
	if n, err := strconv.Atoi(c.MaxInFlight); err == nil && n >= 0 {
		return n
	}
	return DefaultInFlight()
}

// DefaultInFlight is 4 requests at work per CPU core the process may use:
// enough to keep the cores busy while some wait on the database, few
// enough that the one holding SQLite's writer is not slowed by hundreds
// sharing the CPU with it (measured in docs/scaling.md).
func DefaultInFlight() int { return 4 * runtime.GOMAXPROCS(0) }

// APILimits returns the API rate and burst as numbers (0 for defaults).
func (c *Config) APILimits() (rate, burst int) {
	rate, _ = strconv.Atoi(c.APIRate)
	burst, _ = strconv.Atoi(c.APIBurst)
	return rate, burst
}

// Proxies reads TrustedProxies: addresses ("10.0.0.5") and CIDRs
// ("10.0.0.0/8", "fd00::/8").
func (c *Config) Proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(c.TrustedProxies, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: use an address such as 10.0.0.5 or a CIDR such as 10.0.0.0/8", part)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// PushSubject is the push contact as a VAPID subject: "mailto:" and an
// address (a bare address gets the mailto:), or an https URL; the default
// when unset.
func (c *Config) PushSubject() (string, error) {
	v := strings.TrimSpace(c.PushContact)
	switch {
	case v == "":
		return DefaultPushContact, nil
	case strings.HasPrefix(v, "https://") && len(v) > len("https://") && !strings.ContainsAny(v, " \t"):
		return v, nil
	}
	addr := strings.TrimPrefix(v, "mailto:")
	if at := strings.IndexByte(addr, '@'); at > 0 && at < len(addr)-1 && !strings.ContainsAny(addr, " \t<>,;:/") {
		return "mailto:" + addr, nil
	}
	return "", fmt.Errorf("push contact %q: use mailto:you@example.com or an https URL", c.PushContact)
}

// Level is the log level.
func (c *Config) Level() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return l, fmt.Errorf("log level %q: use debug, info, warn or error", c.LogLevel)
	}
	return l, nil
}

// Logger builds the structured logger the settings ask for. Every line
// passes through redact.Attr: no URL or setting it logs carries a secret.
func (c *Config) Logger(w io.Writer) *slog.Logger {
	level, _ := c.Level()
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: redact.Attr}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// LogValue shows the settings with the database URL's secrets masked.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("addr", c.Addr), slog.String("db", redact.URL(c.DB)), slog.String("db_session", redact.URL(c.DBSession)),
		slog.String("log_level", c.LogLevel), slog.Bool("tls", c.TLSCert != ""), slog.Bool("secure_cookies", c.SecureCookies),
		slog.String("trusted_proxies", c.TrustedProxies), slog.String("smtp", redact.URL(c.SMTPURL)), slog.String("base_url", c.BaseURL),
		slog.String("push_contact", c.PushContact))
}
