package bench

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// BenchmarkActions is each action of the load mix on its own, served by
// the bench's own handler in this process (no network, no load
// generator): what one request of each kind costs, for profiling one at a
// time (go test -bench Actions/agent/search -cpuprofile …). The book is
// the load run's: 20,000 people over 20 accounts (RAPPORT_BENCH_PEOPLE
// and RAPPORT_BENCH_USERS change them); "agent" sees their own share, "owner" the whole book.
func BenchmarkActions(b *testing.B) {
	people, team := envInt(b, "RAPPORT_BENCH_PEOPLE", 20_000), envInt(b, "RAPPORT_BENCH_USERS", 20)
	ctx := context.Background()
	db := storetest.OpenSQLite(b, time.Now)
	org, accounts, key, err := loadSetup(ctx, db, team, people)
	if err != nil {
		b.Fatal(err)
	}
	h, err := loadHandler(db, org.ID)
	if err != nil {
		b.Fatal(err)
	}
	ids, err := personIDs(ctx, db, org.ID)
	if err != nil {
		b.Fatal(err)
	}
	for _, who := range []struct {
		name    string
		account int
	}{{"agent", 1}, {"owner", 0}} {
		cookies := benchSignIn(b, h, accounts[who.account].Email)
		for _, m := range append(loadMix, struct {
			name   string
			weight int
		}{"baseline", 0}) {
			b.Run(who.name+"/"+m.name, func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				n := 0
				for b.Loop() {
					var req *http.Request
					if m.name == "baseline" {
						req = httptest.NewRequest("GET", baselinePath+strconv.FormatInt(ids[rng.IntN(len(ids))], 10), nil)
					} else {
						c := newCall(m.name, rng, ids, key, who.account, n)
						req = c.request(ctx, "http://bench.test")
					}
					n++
					req.RemoteAddr = "127.0.0.1:4000"
					for _, c := range cookies {
						req.AddCookie(c)
					}
					w := httptest.NewRecorder()
					h.ServeHTTP(w, req)
					if w.Code >= 400 {
						b.Fatalf("%s %s: %d %s", req.Method, req.URL, w.Code, firstLine(w.Body.Bytes()))
					}
				}
			})
		}
	}
}

// benchSignIn signs email in through h and returns the session's cookies.
func benchSignIn(b *testing.B, h http.Handler, email string) []*http.Cookie {
	form := url.Values{"email": {email}, "password": {password}}
	req := httptest.NewRequest("POST", "/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = "127.0.0.1:4000"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusSeeOther {
		body, _ := io.ReadAll(w.Body)
		b.Fatalf("sign in %s: %d %s", email, w.Code, firstLine(body))
	}
	return w.Result().Cookies()
}

// envInt is the number in the environment variable name, or def.
func envInt(b *testing.B, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		b.Fatalf("%s: %v", name, err)
	}
	return n
}
