package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
)

// TestCrashKeepsAcknowledgedWrites runs the server as a child process,
// has clients log conversations and post production reports through the
// API, and kills the server with SIGKILL in the middle of it, several
// times. After each kill the database passes SQLite's integrity check,
// every conversation the server acknowledged (201) is there, and every
// production report is either all there or not there at all.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a child process")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "crash.db")
	runCmd(t, "", "org", "add", "--db", db, "--name", "Acme", "--slug", "acme")
	runCmd(t, "a long enough secret\n", "user", "add", "--db", db, "--org", "acme", "--email", "owner@acme.test", "--role", "owner", "--password-stdin")
	code, keyOut, errOut := runCmd(t, "", "token", "create", "--db", db, "--org", "acme", "--email", "owner@acme.test")
	if code != 0 {
		t.Fatalf("token: %s", errOut)
	}
	key := strings.TrimSpace(keyOut)

	var personID int64
	acked := map[int64]bool{}
	reports := map[string]bool{} // MLS prefix -> acknowledged
	const rowsPerReport = 1500
	for round := range 4 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		srv := child(t, "serve", "--db", db, "--addr", addr, "--log-level", "error", "--api-rate", "1000000", "--api-burst", "1000000")
		var serr bytes.Buffer
		srv.Stderr = &serr
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		base := "http://" + addr
		up := false
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(30 * time.Millisecond) {
			if res, err := http.Get(base + "/healthz"); err == nil {
				res.Body.Close()
				up = res.StatusCode == http.StatusOK
				if up {
					break
				}
			}
		}
		if !up {
			srv.Process.Kill()
			srv.Wait()
			t.Fatalf("round %d: the server did not start: %s", round, serr.String())
		}
		client := &http.Client{Timeout: 10 * time.Second}
		call := func(method, path string, body any) (int, map[string]any) {
			b, _ := json.Marshal(body)
			req, _ := http.NewRequest(method, base+path, bytes.NewReader(b))
			req.Header.Set("Authorization", "Bearer "+key)
			req.Header.Set("Content-Type", "application/json")
			res, err := client.Do(req)
			if err != nil {
				return 0, nil
			}
			defer res.Body.Close()
			var out map[string]any
			raw, _ := io.ReadAll(res.Body)
			json.Unmarshal(raw, &out)
			return res.StatusCode, out
		}
		if personID == 0 {
			status, p := call("POST", "/api/v1/people", map[string]any{"firstName": "Crash", "lastName": "Dummy", "kind": "lead"})
			if status != http.StatusCreated {
				t.Fatalf("create person: %d %v", status, p)
			}
			personID = int64(p["id"].(float64))
		}

		var mu sync.Mutex
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for w := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					status, c := call("POST", "/api/v1/conversations", map[string]any{"personId": personID, "channel": "call",
						"direction": "outbound", "outcome": "live", "notes": fmt.Sprintf("round %d writer %d call %d", round, w, i)})
					if status == http.StatusCreated {
						conv, _ := c["conversation"].(map[string]any)
						id, ok := conv["id"].(float64)
						if !ok {
							t.Errorf("201 without a conversation id: %v", c)
							return
						}
						mu.Lock()
						acked[int64(id)] = true
						mu.Unlock()
					}
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; ; r++ {
				select {
				case <-stop:
					return
				default:
				}
				prefix := fmt.Sprintf("R%dQ%d-", round, r)
				rows := make([]map[string]any, rowsPerReport)
				for i := range rows {
					rows[i] = map[string]any{"mlsId": fmt.Sprintf("%s%d", prefix, i), "firstName": "Agent", "lastName": fmt.Sprintf("%s%d", prefix, i),
						"units": 5, "volume": 1_000_000}
				}
				status, _ := call("POST", "/api/v1/production", map[string]any{"period": "2026-09-30", "rows": rows})
				mu.Lock()
				reports[prefix] = status == http.StatusOK || status == http.StatusCreated
				mu.Unlock()
			}
		}()
		time.Sleep(time.Duration(400+150*round) * time.Millisecond)
		srv.Process.Signal(syscall.SIGKILL)
		srv.Wait()
		close(stop)
		wg.Wait()

		s, err := store.Open(context.Background(), store.Options{URL: db, Logger: quietLogger(os.Stderr)})
		if err != nil {
			t.Fatal(err)
		}
		var ok string
		if err := s.RawScan(context.Background(), &ok, "PRAGMA integrity_check"); err != nil || ok != "ok" {
			t.Fatalf("round %d: integrity check %q %v", round, ok, err)
		}
		var ids []int64
		if err := s.RawScan(context.Background(), &ids, "SELECT id FROM conversations"); err != nil {
			t.Fatal(err)
		}
		have := map[int64]bool{}
		for _, id := range ids {
			have[id] = true
		}
		lost := 0
		for id := range acked {
			if !have[id] {
				lost++
			}
		}
		if lost > 0 {
			t.Fatalf("round %d: %d of %d acknowledged conversations lost", round, lost, len(acked))
		}
		for prefix, ok := range reports {
			var n int
			if err := s.RawScan(context.Background(), &n, "SELECT COUNT(*) FROM people WHERE mls_id LIKE ?", prefix+"%"); err != nil {
				t.Fatal(err)
			}
			if (ok && n != rowsPerReport) || (n != 0 && n != rowsPerReport) {
				t.Fatalf("round %d: report %s acknowledged=%v has %d of %d people", round, prefix, ok, n, rowsPerReport)
			}
		}
		s.Close()
		t.Logf("round %d: %d acknowledged conversations so far, %d production reports tried", round, len(acked), len(reports))
	}
	if len(acked) < 20 {
		t.Errorf("only %d conversations acknowledged over the rounds", len(acked))
	}
}
