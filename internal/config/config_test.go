package config

import (
	"errors"
	"flag"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/redact"
)

func TestEnvironmentThenFlags(t *testing.T) {
	t.Setenv("RAPPORT_ADDR", "0.0.0.0:9000")
	t.Setenv("RAPPORT_SECURE_COOKIES", "true")
	var c Config
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	c.Register(fs)
	if err := fs.Parse([]string{"--db", "postgres://u:secret@db/rapport"}); err != nil {
		t.Fatal(err)
	}
	if c.Addr != "0.0.0.0:9000" || c.DB != "postgres://u:secret@db/rapport" || !c.SecureCookies || c.LogLevel != "info" {
		t.Fatalf("config = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := c.LogValue().String(); strings.Contains(got, "secret") || redact.URL(c.DB) != "postgres://u:xxxxx@db/rapport" {
		t.Errorf("password not redacted: %s", got)
	}
	c.LogFormat = "xml"
	if err := c.Validate(); err == nil {
		t.Error("bad log format accepted")
	}
}

func TestDefaults(t *testing.T) {
	var c Config
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	c.Register(fs, "addr", "db")
	fs.Parse(nil)
	if c.Addr != DefaultAddr || c.DB != DefaultDB {
		t.Fatalf("defaults = %+v", c)
	}
	if fs.Lookup("log-level") != nil {
		t.Error("unrequested flag registered")
	}
}

// TestSecretsNeverLogged: the configuration dump and every line of the
// configured logger mask a password in the database URL's userinfo and in
// its query (?password=, ?sslpassword=).
func TestSecretsNeverLogged(t *testing.T) {
	const secret = "hunter2hunter2"
	for _, dsn := range []string{
		"postgres://rapport:" + secret + "@db.internal:5432/rapport?sslmode=require",
		"postgres://rapport@db.internal:5432/rapport?sslmode=require&password=" + secret,
		"postgresql://rapport@db.internal/rapport?sslpassword=" + secret + "&password=" + secret,
	} {
		for _, format := range []string{"text", "json"} {
			c := Config{DB: dsn, LogLevel: "info", LogFormat: format}
			var buf strings.Builder
			log := c.Logger(&buf)
			log.Info("starting rapport", "config", c)
			log.Info("open "+dsn, "db", dsn, "err", errors.New("cannot parse `"+dsn+"`"))
			if strings.Contains(buf.String(), secret) {
				t.Errorf("%s log leaks the password of %s:\n%s", format, dsn, buf.String())
			}
			if !strings.Contains(buf.String(), "db.internal") {
				t.Errorf("%s log lost the host: %s", format, buf.String())
			}
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	c := Config{TrustedProxies: " 10.0.0.0/8, 192.168.1.7 ,fd00::/8,"}
	ps, err := c.Proxies()
	if err != nil || len(ps) != 3 || ps[1].String() != "192.168.1.7/32" {
		t.Fatalf("proxies = %v, %v", ps, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.example", "10.0.0"} {
		c := Config{TrustedProxies: bad, LogFormat: "text", LogLevel: "info", DB: "x.db"}
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "trusted proxy") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestPushContact: the push contact is a mailto: address (one given bare
// gets it) or an https URL, admin@localhost's by default, and nothing
// else starts a server.
func TestPushContact(t *testing.T) {
	var c Config
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	c.Register(fs)
	fs.Parse(nil)
	if got, err := c.PushSubject(); err != nil || got != "mailto:admin@localhost" {
		t.Fatalf("default = %q, %v", got, err)
	}
	t.Setenv("RAPPORT_PUSH_CONTACT", "ops@brokerage.example")
	c = Config{}
	fs = flag.NewFlagSet("t", flag.ContinueOnError)
	c.Register(fs)
	fs.Parse(nil)
	if got, err := c.PushSubject(); err != nil || got != "mailto:ops@brokerage.example" {
		t.Errorf("from the environment = %q, %v", got, err)
	}
	for in, want := range map[string]string{
		"mailto:ops@brokerage.example":    "mailto:ops@brokerage.example",
		"https://brokerage.example/about": "https://brokerage.example/about",
		" ops@brokerage.example ":         "mailto:ops@brokerage.example",
	} {
		c.PushContact = in
		if got, err := c.PushSubject(); err != nil || got != want {
			t.Errorf("%q = %q, %v; want %q", in, got, err, want)
		}
	}
	c.LogLevel, c.LogFormat, c.DB = "info", "text", "x.db"
	for _, bad := range []string{"ops", "http://brokerage.example", "mailto:", "mailto:@x", "ops@", "a b@c.example"} {
		c.PushContact = bad
		if _, err := c.PushSubject(); err == nil {
			t.Errorf("%q accepted", bad)
		}
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "push contact") {
			t.Errorf("%q: Validate = %v", bad, err)
		}
	}
}

// TestInFlight: unset, four requests at work per core; 0 lifts the limit;
// anything but a whole number from 0 up is refused before the server starts.
func TestInFlight(t *testing.T) {
	c := Config{DB: DefaultDB, LogFormat: "text", LogLevel: "info"}
	if got := c.InFlight(); got != DefaultInFlight() || got < 4 {
		t.Errorf("default: %d", got)
	}
	for v, want := range map[string]int{"0": 0, "12": 12} {
		c.MaxInFlight = v
		if err := c.Validate(); err != nil || c.InFlight() != want {
			t.Errorf("%q: %d, %v", v, c.InFlight(), err)
		}
	}
	for _, v := range []string{"-1", "many", "2.5"} {
		c.MaxInFlight = v
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "max-inflight") {
			t.Errorf("%q accepted: %v", v, err)
		}
	}
}
