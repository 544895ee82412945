package redact

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"strings"
	"testing"
)

const secret = "s3cr3tPW"

func TestURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"rapport.db", "rapport.db"},
		{"/var/lib/rapport/rapport.db", "/var/lib/rapport/rapport.db"},
		{"postgres://db.internal/rapport", "postgres://db.internal/rapport"},
		{"postgres://u:" + secret + "@db/rapport", "postgres://u:xxxxx@db/rapport"},
		{"postgres://u@db/rapport?sslmode=require&password=" + secret, "postgres://u@db/rapport?sslmode=require&password=xxxxx"},
		{"postgresql://u@db/rapport?sslpassword=" + secret + "&sslmode=verify-full", "postgresql://u@db/rapport?sslpassword=xxxxx&sslmode=verify-full"},
		{"postgres://u:" + secret + "@db/r?PassWord=" + secret, "postgres://u:xxxxx@db/r?PassWord=xxxxx"},
		{"postgres://u@db/r?pass%77ord=" + secret, "postgres://u@db/r?pass%77ord=xxxxx"},
		{"smtp://mailer:" + secret + "@smtp.example.com:587", "smtp://mailer:xxxxx@smtp.example.com:587"},
		{"smtps://smtp.example.com:465?username=mailer&password=" + secret, "smtps://smtp.example.com:465?username=mailer&password=xxxxx"},
		{"https://hooks.example.com/x?token=" + secret + "&a=1", "https://hooks.example.com/x?token=xxxxx&a=1"},
		// Unparseable: an unescaped space, @, / or ? in the password, a bad port.
		{"postgres://u:s3cr 3tPW@db/rapport", "postgres://u:xxxxx@db/rapport"},
		{"postgres://u:s3/cr?3t@PW@db:5432/rapport", "postgres://u:xxxxx@db:5432/rapport"},
		{"postgres://u:" + secret + "@db:notaport/rapport?password=" + secret, "postgres://u:xxxxx@db:notaport/rapport?password=xxxxx"},
	} {
		if got := URL(c.in); got != c.want {
			t.Errorf("URL(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestText(t *testing.T) {
	for _, c := range []string{
		`open database postgres://u:` + secret + `@db/rapport?password=` + secret + `: refused`,
		`cannot parse "postgres://u@db/rapport?password=` + secret + `"`,
		"failed: `host=db user=u password=" + secret + " dbname=rapport`",
		`failed: host=db password='` + secret + ` with spaces' dbname=rapport`,
		`dsn="smtp://m:` + secret + `@mail:25" and sslpassword=` + secret,
		`api_key=` + secret + `&next=1`,
	} {
		got := Text(c)
		if strings.Contains(got, secret) || strings.Contains(got, "spaces") {
			t.Errorf("Text(%q) = %q: the secret is still there", c, got)
		}
		if !strings.Contains(got, Mask) {
			t.Errorf("Text(%q) = %q: nothing masked", c, got)
		}
	}
	for _, c := range []string{"plain words", "a=b c=d", "/people/12?page=2", "status=500 path=/import"} {
		if got := Text(c); got != c {
			t.Errorf("Text(%q) = %q: changed text without secrets", c, got)
		}
	}
}

// TestError masks a driver's error that quotes the connection string in
// a shape Text cannot see through (net/url's parse error quotes it whole,
// spaces and all), and keeps errors.Is and errors.As working.
func TestError(t *testing.T) {
	dsn := "postgres://u:s3cr 3t@db/rapport?password=" + url.QueryEscape("pa ss&word")
	_, perr := url.Parse(dsn)
	if perr == nil {
		t.Fatal("the URL parsed")
	}
	err := Error(fmt.Errorf("connect: %w", perr), dsn)
	for _, s := range []string{"s3cr 3t", "3t@db", "pa ss", "pa+ss"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("%q still in %q", s, err)
		}
	}
	var ue *url.Error
	if !errors.As(err, &ue) {
		t.Error("errors.As lost the driver's error")
	}
	wrapped := Error(fmt.Errorf("postgres://u:%s@db: %w", secret, fs.ErrNotExist))
	if !errors.Is(wrapped, fs.ErrNotExist) || strings.Contains(wrapped.Error(), secret) {
		t.Errorf("Error = %v", wrapped)
	}
	if Error(nil) != nil {
		t.Error("Error(nil) is not nil")
	}
	plain := errors.New("no secrets here")
	if Error(plain, "postgres://u:"+secret+"@db") != plain {
		t.Error("an error without secrets was rewrapped")
	}
}

// TestAttr: a logger using Attr masks secrets in messages, strings,
// errors and grouped values.
func TestAttr(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: Attr}))
	log.Info("connecting to postgres://u:"+secret+"@db", "db", "postgres://u@db/r?password="+secret,
		"err", errors.New("password="+secret), slog.Group("config", "url", "smtp://m:"+secret+"@mail"))
	jbuf := bytes.Buffer{}
	slog.New(slog.NewJSONHandler(&jbuf, &slog.HandlerOptions{ReplaceAttr: Attr})).Warn("x", "err", fmt.Errorf("dial postgres://u:%s@db", secret))
	for _, out := range []string{buf.String(), jbuf.String()} {
		if strings.Contains(out, secret) || !strings.Contains(out, Mask) {
			t.Errorf("log line: %s", out)
		}
	}
}
