package push

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestClientRefusesPrivateAddresses: the default client will not connect
// to an address inside the network, whatever name led there, so that a
// subscription cannot make the server call its neighbours.
func TestClientRefusesPrivateAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) }))
	defer srv.Close()
	_, err := publicClient(false).Get(srv.URL)
	var pe *privateAddrError
	if !errors.As(err, &pe) {
		t.Fatalf("connected to %s: %v", srv.URL, err)
	}
	res, err := publicClient(true).Get(srv.URL)
	if err != nil {
		t.Fatalf("with local endpoints allowed: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Errorf("status %d", res.StatusCode)
	}
}
