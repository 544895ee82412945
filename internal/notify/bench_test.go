package notify_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/bench"
	"github.com/rapport-crm/rapport/internal/notify"
	"github.com/rapport-crm/rapport/internal/push"
	"github.com/rapport-crm/rapport/internal/push/pushtest"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// arrivals is a plain SMTP server that says when each subject arrived.
type arrivals struct {
	mu  sync.Mutex
	at  map[string]time.Time
	got chan string
}

func (a *arrivals) NewSession(*smtp.Conn) (smtp.Session, error) { return &arrivalSession{a: a}, nil }

type arrivalSession struct{ a *arrivals }

func (s *arrivalSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *arrivalSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *arrivalSession) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, msg.Body)
	subj, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	now := time.Now()
	s.a.mu.Lock()
	s.a.at[subj] = now
	s.a.mu.Unlock()
	select {
	case s.a.got <- subj:
	default:
	}
	return nil
}
func (s *arrivalSession) Reset()        {}
func (s *arrivalSession) Logout() error { return nil }

func startArrivals(b testing.TB) (*arrivals, string) {
	a := &arrivals{at: map[string]time.Time{}, got: make(chan string, 100000)}
	srv := smtp.NewServer(a)
	srv.Domain = "mx.test"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return a, "smtp://" + ln.Addr().String() + "?from=rapport@acme.test&tls=opportunistic"
}

type stack struct {
	db     *store.DB
	org    *rapport.Org
	owner  *rapport.User
	agent  *rapport.User
	key    string
	api    *httptest.Server
	mail   *arrivals
	pushes *pushtest.Service
	outbox *notify.Outbox
}

// newStack is the whole path of a lead: the API, the store, the outbox's
// runner, a real SMTP server and a push service that decrypts.
func newStack(b testing.TB, db *store.DB) *stack {
	s := &stack{db: db}
	s.org = &rapport.Org{Name: "Acme", Slug: "acme", Region: "US", TZ: "America/Chicago"}
	s.owner = &rapport.User{Email: "owner@acme.test", Name: "Olive", Role: rapport.RoleOwner, PasswordHash: "x"}
	if err := db.CreateOrg(ctx, s.org, s.owner); err != nil {
		b.Fatal(err)
	}
	s.agent = &rapport.User{OrgID: s.org.ID, Email: "alex@acme.test", Name: "Alex", Role: rapport.RoleAgent, PasswordHash: "x"}
	if err := db.CreateUser(ctx, rapport.Actor{Org: s.org.ID}, s.agent); err != nil {
		b.Fatal(err)
	}
	key, prefix, hash := auth.NewAPIKey()
	if err := db.CreateAPIKey(ctx, rapport.Member(s.org, s.owner), &store.APIKey{OrgID: s.org.ID, UserID: s.owner.ID, Name: "bench", Prefix: prefix, Hash: hash}); err != nil {
		b.Fatal(err)
	}
	s.key = key
	quiet := slog.New(slog.DiscardHandler)
	s.api = httptest.NewServer(api.New(api.Options{DB: db, Logger: quiet, RatePerMinute: 1 << 30, Burst: 1 << 30}))
	b.Cleanup(s.api.Close)
	var smtpURL string
	s.mail, smtpURL = startArrivals(b)
	mailer, err := notify.ParseMailer(smtpURL, quiet)
	if err != nil {
		b.Fatal(err)
	}
	keys, _ := push.NewKeys()
	s.pushes = pushtest.New(b)
	sender := &push.Sender{Keys: keys, Subject: "mailto:ops@acme.test", AllowLocal: true}
	d := s.pushes.Subscribe("phone")
	if err := db.SavePushSubscription(ctx, rapport.Member(s.org, s.agent), &store.PushSubscription{Endpoint: d.Endpoint, P256dh: d.P256dh, Auth: d.Auth}); err != nil {
		b.Fatal(err)
	}
	s.outbox = &notify.Outbox{DB: db, Mail: mailer, BaseURL: "https://crm.acme.test", Log: quiet,
		Push: &notify.Devices{DB: db, Sender: sender, BaseURL: "https://crm.acme.test"}}
	return s
}

func (s *stack) postLead(b testing.TB, name string) time.Duration {
	body := fmt.Sprintf(`{"type":"Inquiry","source":"Zillow","person":{"firstName":"Lead","lastName":%q,"emails":[{"value":"%s@example.com"}]}}`, name, strings.ToLower(name))
	req, _ := http.NewRequest("POST", s.api.URL+"/api/v1/events", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.key)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		b.Fatalf("event: %d", res.StatusCode)
	}
	return time.Since(start)
}

func pct(ds []time.Duration, p float64) float64 {
	slices.Sort(ds)
	return float64(ds[min(len(ds)-1, int(float64(len(ds))*p))].Microseconds()) / 1000
}

// BenchmarkLeadToAlert measures, for each lead posted to the API, its
// answer's time and the time until its email is accepted by the SMTP
// server and its push request reaches the push service, the runner
// waking on the commit's signal. Metrics are milliseconds (p50, p99)
// and the ratio of the alerts' p50 to the answer's.
// go test -run '^$' -bench LeadToAlert -benchtime 1000x ./internal/notify/
func BenchmarkLeadToAlert(b *testing.B) {
	for _, be := range storetest.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			s := newStack(b, be.Open(b, nil))
			rctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			listening := make(chan struct{})
			go s.db.Listen(rctx, func() { close(listening) })
			<-listening
			go s.outbox.Run(rctx)
			var answer, email, pushed []time.Duration
			i := 0
			for b.Loop() {
				i++
				name := fmt.Sprintf("N%d", i)
				before := len(s.pushes.Received())
				start := time.Now()
				answer = append(answer, s.postLead(b, name))
				deadline := time.After(10 * time.Second)
				var gotMail, gotPush bool
				for !gotMail || !gotPush {
					select {
					case subj := <-s.mail.got:
						if strings.Contains(subj, "Lead "+name+" ") {
							gotMail = true
							email = append(email, time.Since(start))
						}
					case <-deadline:
						b.Fatalf("lead %s: email %v push %v after 10 s", name, gotMail, gotPush)
					default:
						if !gotPush && len(s.pushes.Received()) > before {
							gotPush = true
							pushed = append(pushed, time.Since(start))
						} else {
							time.Sleep(100 * time.Microsecond)
						}
					}
				}
			}
			b.ReportMetric(pct(answer, .5), "answer-p50-ms")
			b.ReportMetric(pct(answer, .99), "answer-p99-ms")
			b.ReportMetric(pct(email, .5), "email-p50-ms")
			b.ReportMetric(pct(email, .99), "email-p99-ms")
			b.ReportMetric(pct(pushed, .5), "push-p50-ms")
			b.ReportMetric(pct(pushed, .99), "push-p99-ms")
			b.ReportMetric(pct(email, .5)/pct(answer, .5), "email/answer-p50")
			b.ReportMetric(pct(pushed, .5)/pct(answer, .5), "push/answer-p50")
		})
	}
}

// BenchmarkOutboxThroughput measures how many alerts a second the
// outbox's runner delivers from a backlog (an email and a push for each
// of 200 leads), alone and while `rapport bench --load` (bench.Load: 50
// users, no think time) works the same database.
// go test -run '^$' -bench OutboxThroughput -benchtime 3x ./internal/notify/
func BenchmarkOutboxThroughput(b *testing.B) {
	for _, be := range storetest.Backends(b) {
		for _, load := range []bool{false, true} {
			name := be.Name + "/idle"
			if load {
				name = be.Name + "/under-load"
			}
			b.Run(name, func(b *testing.B) {
				s := newStack(b, be.Open(b, nil))
				if load {
					lctx, cancel := context.WithCancel(context.Background())
					done := make(chan struct{})
					go func() {
						defer close(done)
						bench.Load(lctx, bench.LoadOptions{Store: s.db, Users: 50, Accounts: 10, People: 2000, Duration: time.Hour, Think: -1})
					}()
					defer func() { cancel(); <-done }()
					time.Sleep(2 * time.Second) // seeded and running
				}
				const leads = 200
				round := 0
				var total time.Duration
				delivered := 0
				for b.Loop() {
					round++
					for i := range leads {
						if _, err := s.db.RecordEvent(ctx, rapport.Member(s.org, s.owner), &store.EventInput{
							Event:  rapport.Event{DedupeKey: fmt.Sprintf("r%d-%d", round, i), Type: "Inquiry", Source: "Zillow"},
							Person: rapport.Person{FirstName: "Lead", LastName: fmt.Sprintf("R%dN%d", round, i)}}); err != nil {
							b.Fatal(err)
						}
					}
					start := time.Now()
					for {
						n, err := s.outbox.DeliverDue(ctx)
						if err != nil {
							b.Fatal(err)
						}
						delivered += n
						if n == 0 {
							break
						}
					}
					total += time.Since(start)
				}
				b.ReportMetric(float64(delivered)/total.Seconds(), "msgs/s")
			})
		}
	}
}
