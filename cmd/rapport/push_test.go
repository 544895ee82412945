package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/config"
	"github.com/rapport-crm/rapport/internal/store"
)

// TestPushSenderKeepsKeys: the first start makes the VAPID keys, a restart
// finds the same ones, the contact is the configured one, and the start-up
// line names the public key only.
func TestPushSenderKeepsKeys(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rapport.db")
	var logs bytes.Buffer
	cfg := &config.Config{DB: path, LogLevel: "info", LogFormat: "text", PushContact: "ops@brokerage.example"}
	db, err := openDB(ctx, store.Options{URL: path, Logger: cfg.Logger(&logs)})
	if err != nil {
		t.Fatal(err)
	}
	first, err := pushSender(ctx, db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = openDB(ctx, store.Options{URL: path})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	again, err := pushSender(ctx, db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if again.Keys != first.Keys || again.Subject != "mailto:ops@brokerage.example" {
		t.Errorf("after a restart: %v %q, before %v", again.Keys, again.Subject, first.Keys)
	}
	log := cfg.Logger(&logs)
	log.Info("alerts by Web Push", "vapid_public_key", again.PublicKey(), "contact", again.Subject, "sender", again.Keys)
	if strings.Contains(logs.String(), again.Keys.Private) || !strings.Contains(logs.String(), again.Keys.Public) {
		t.Errorf("logs: %s", logs.String())
	}
	cfg.PushContact = "nobody"
	if _, err := pushSender(ctx, db, cfg); err == nil {
		t.Error("a contact that is no address was taken")
	}
}
