package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
)

// TestOpenErrorsHideSecrets: whatever the driver answers about a
// PostgreSQL URL it could not use — a refused connection, a port or an
// escape it cannot parse, a password with a space — the error Open
// returns names no password, in the userinfo or in the query.
func TestOpenErrorsHideSecrets(t *testing.T) {
	const secret = "Zx9secretPW"
	for _, dsn := range []string{
		"postgres://rapport:" + secret + "@127.0.0.1:1/rapport?sslmode=disable&connect_timeout=2",
		"postgres://rapport@127.0.0.1:1/rapport?sslmode=disable&connect_timeout=2&password=" + secret,
		"postgresql://rapport@127.0.0.1:1/rapport?sslpassword=" + secret + "&sslmode=disable&connect_timeout=2&password=" + secret,
		"postgres://rapport:" + secret + "@127.0.0.1:notaport/rapport?password=" + secret,
		"postgres://rapport:" + secret + "@127.0.0.1:99999999/rapport",
		"postgres://rapport:Zx9 secretPW@127.0.0.1:1/rapport?sslmode=disable",
		"postgres://rapport:Zx9%zzsecretPW@127.0.0.1:1/rapport?sslmode=disable",
		"postgres://rapport@127.0.0.1:1/rapport?sslmode=disable&password=Zx9%zzsecretPW",
		"postgres://rapport@127.0.0.1:1/rapport?sslmode=nonsense&password=" + secret,
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		db, err := store.Open(ctx, store.Options{URL: dsn})
		cancel()
		if err == nil {
			db.Close()
			t.Errorf("%s: opened", dsn)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "secretPW") || strings.Contains(msg, "Zx9") {
			t.Errorf("the error quotes the password: %s", msg)
		}
	}
}
