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
