package main

import (
	"strings"
	"testing"
)

// TestSecretsStayOutOfOutput: serve's start-up lines (the configuration
// dump among them) and the error every command prints when the database
// cannot be reached name the database without its password, whether the
// URL carries it in its userinfo or in its query.
func TestSecretsStayOutOfOutput(t *testing.T) {
	const secret = "Qm4secretPW"
	for _, dsn := range []string{
		"postgres://rapport:" + secret + "@127.0.0.1:1/rapport?sslmode=disable&connect_timeout=2",
		"postgres://rapport@127.0.0.1:1/rapport?sslmode=disable&connect_timeout=2&password=" + secret,
		"postgres://rapport:" + secret + "@127.0.0.1:notaport/rapport?sslpassword=" + secret,
	} {
		for _, args := range [][]string{
			{"serve", "--db", dsn, "--addr", "127.0.0.1:0", "--log-level", "debug"},
			{"serve", "--db", dsn, "--addr", "127.0.0.1:0", "--log-level", "debug", "--log-format", "json"},
			{"migrate", "--db", dsn, "--log-level", "debug"},
			{"backup", "--db", dsn, "--out", t.TempDir() + "/b.json.gz"},
		} {
			code, out, errOut := runCmd(t, "", args...)
			if code != 1 {
				t.Errorf("%s: exit %d", args[0], code)
			}
			if strings.Contains(out+errOut, secret) {
				t.Errorf("%s with %s prints the password:\n%s%s", args[0], dsn, out, errOut)
			}
			if !strings.Contains(errOut, "127.0.0.1") {
				t.Errorf("%s: the error does not say which database: %s", args[0], errOut)
			}
		}
	}
}
