package config

import (
	"flag"
	"strings"
	"testing"
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
	if got := c.LogValue().String(); strings.Contains(got, "secret") || RedactURL(c.DB) != "postgres://u:xxxxx@db/rapport" {
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
