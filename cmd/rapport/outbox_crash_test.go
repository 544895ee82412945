package main

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/mail"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// mailbox is an SMTP server (emersion/go-smtp) that counts what it
// accepts by Message-ID.
type mailbox struct {
	mu       sync.Mutex
	ids      map[string]int
	to       map[string]int
	subjects []string
}

func (m *mailbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailSession{box: m}, nil }

type mailSession struct {
	box *mailbox
	rcp []string
}

func (s *mailSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.rcp = append(s.rcp, to)
	return nil
}
func (s *mailSession) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, msg.Body)
	s.box.mu.Lock()
	s.box.ids[msg.Header.Get("Message-Id")]++
	subj, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	s.box.subjects = append(s.box.subjects, subj)
	for _, to := range s.rcp {
		s.box.to[to]++
	}
	s.box.mu.Unlock()
	return nil
}
func (s *mailSession) Reset()        { s.rcp = nil }
func (s *mailSession) Logout() error { return nil }

// TestOutboxSurvivesKills runs the server as a child process with a real
// SMTP server, posts new leads through the API and kills the server with
// SIGKILL while it is sending their alerts, several times. After a last
// clean run every acknowledged lead's alert has arrived, and none twice
// unless a kill fell between the SMTP server's acceptance and the
// outbox's record of it (the same Message-ID, which mail clients fold).
func TestOutboxSurvivesKills(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a child process")
	}
	box := &mailbox{ids: map[string]int{}, to: map[string]int{}}
	srv := smtp.NewServer(box)
	srv.Domain = "mx.test"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	smtpURL := "smtp://" + ln.Addr().String() + "?from=rapport@acme.test&tls=opportunistic"

	db := t.TempDir() + "/outbox.db"
	runCmd(t, "", "org", "add", "--db", db, "--name", "Acme", "--slug", "acme")
	runCmd(t, "a long enough secret\n", "user", "add", "--db", db, "--org", "acme", "--email", "owner@acme.test", "--role", "owner", "--password-stdin")
	runCmd(t, "a long enough secret\n", "user", "add", "--db", db, "--org", "acme", "--email", "agent@acme.test", "--role", "agent", "--password-stdin")
	code, keyOut, errOut := runCmd(t, "", "token", "create", "--db", db, "--org", "acme", "--email", "owner@acme.test")
	if code != 0 {
		t.Fatalf("token: %s", errOut)
	}
	key := strings.TrimSpace(keyOut)

	acked := map[string]bool{}
	kills := 0
	for round := range 4 {
		addrLn, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := addrLn.Addr().String()
		addrLn.Close()
		cmd := child(t, "serve", "--db", db, "--addr", addr, "--log-level", "error", "--smtp-url", smtpURL,
			"--base-url", "https://crm.acme.test", "--api-rate", "1000000", "--api-burst", "1000000")
		var serr bytes.Buffer
		cmd.Stderr = &serr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		base := "http://" + addr
		waitUp(t, base, &serr)
		client := &http.Client{Timeout: 10 * time.Second}
		last := round == 3
		n := 80
		if last {
			n = 5
		}
		// Four posters; in the rounds that end in a kill, the kill comes
		// while they post and the server sends.
		var mu sync.Mutex
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := w; i < n; i += 4 {
					name := fmt.Sprintf("R%dN%d", round, i)
					body := fmt.Sprintf(`{"type":"Inquiry","source":"Zillow","person":{"firstName":"Lead","lastName":"%s","emails":[{"value":"%s@example.com"}]}}`, name, strings.ToLower(name))
					req, _ := http.NewRequest("POST", base+"/api/v1/events", strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+key)
					req.Header.Set("Content-Type", "application/json")
					res, err := client.Do(req)
					if err != nil {
						return // killed
					}
					res.Body.Close()
					if res.StatusCode == http.StatusCreated {
						mu.Lock()
						acked[name] = true
						mu.Unlock()
					}
				}
			})
		}
		if !last {
			time.Sleep(time.Duration(150+round*100) * time.Millisecond)
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			wg.Wait()
			kills++
			continue
		}
		wg.Wait()
		// The last run sends everything owed, then stops cleanly.
		deadline := time.Now().Add(30 * time.Second)
		// Until every acknowledged lead's alert came (counting alerts is
		// not enough: a lead recorded as a server died, unacknowledged,
		// may have one too).
		for time.Now().Before(deadline) {
			box.mu.Lock()
			missing := 0
			for name := range acked {
				found := false
				for _, s := range box.subjects {
					found = found || strings.Contains(s, "Lead "+name+" ")
				}
				if !found {
					missing++
				}
			}
			box.mu.Unlock()
			if missing == 0 {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}
	box.mu.Lock()
	defer box.mu.Unlock()
	twice := 0
	for _, n := range box.ids {
		twice += n - 1
	}
	// Every acknowledged lead's alert arrived (a lead recorded as the
	// server died, unacknowledged, may have one too).
	for name := range acked {
		found := false
		for _, s := range box.subjects {
			found = found || strings.Contains(s, "Lead "+name+" ")
		}
		if !found {
			t.Errorf("no alert for acknowledged lead %s", name)
		}
	}
	if len(box.ids) < len(acked) {
		t.Fatalf("%d distinct alerts arrived for %d acknowledged leads", len(box.ids), len(acked))
	}
	// At most the messages in flight at each kill (8 workers) come twice.
	if twice > kills*8 {
		t.Errorf("%d alerts arrived twice after %d kills", twice, kills)
	}
	t.Logf("%d leads acknowledged, %d alerts, %d kills: every acknowledged lead's alert arrived; %d twice (killed between the SMTP server's acceptance and the record)",
		len(acked), len(box.ids), kills, twice)
}

func waitUp(t *testing.T, base string, serr *bytes.Buffer) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(30 * time.Millisecond) {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
	}
	t.Fatalf("the server did not start: %s", serr.String())
}
