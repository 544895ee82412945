package egress_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/egress"
)

// TestClientRefusesInsideAddresses: the public client will not connect to
// an address inside the network, whatever name led there, so that an
// address a user gives cannot make the server call its neighbours; the
// operator's wider allowances let it.
func TestClientRefusesInsideAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) }))
	defer srv.Close()
	// By name too: "localhost" resolves to the loopback address.
	byName := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	for _, u := range []string{srv.URL, byName} {
		if _, err := egress.Client(egress.Public, 5*time.Second).Get(u); !egress.Refused(err) {
			t.Fatalf("connected to %s: %v", u, err)
		}
	}
	for _, allow := range []egress.Allow{egress.Loopback, egress.Private} {
		res, err := egress.Client(allow, 5*time.Second).Get(srv.URL)
		if err != nil {
			t.Fatalf("allow %d: %v", allow, err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			t.Errorf("status %d", res.StatusCode)
		}
	}
}

// TestClientFollowsNoRedirect: a receiver cannot send the server on to an
// address it would not have called.
func TestClientFollowsNoRedirect(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	}))
	defer srv.Close()
	res, err := egress.Client(egress.Loopback, 5*time.Second).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("status %d: the redirect was followed", res.StatusCode)
	}
}

func TestCheckURL(t *testing.T) {
	for _, c := range []struct {
		url   string
		allow egress.Allow
		ok    bool
	}{
		{"https://hooks.example.com/rapport", egress.Public, true},
		{"http://hooks.example.com/rapport", egress.Public, false},
		{"ftp://hooks.example.com/", egress.Private, false},
		{"https://user:pw@hooks.example.com/", egress.Public, false},
		{"https://hooks.example.com/#x", egress.Public, false},
		{"/relative", egress.Public, false},
		{"https://localhost/x", egress.Public, false},
		{"https://127.0.0.1/x", egress.Public, false},
		{"https://[::1]/x", egress.Public, false},
		{"https://10.1.2.3/x", egress.Public, false},
		{"https://192.168.1.5/x", egress.Public, false},
		{"https://169.254.169.254/latest", egress.Public, false},
		{"https://[fe80::1]/x", egress.Public, false},
		{"https://100.64.1.1/x", egress.Public, false},
		{"https://[::ffff:10.0.0.1]/x", egress.Public, false},
		{"http://127.0.0.1:8080/x", egress.Loopback, true},
		{"http://10.1.2.3/x", egress.Loopback, false},
		{"http://10.1.2.3/x", egress.Private, true},
		{"http://169.254.169.254/x", egress.Private, true},
	} {
		got := egress.CheckURL(c.url, 2048, c.allow, "a webhook receiver")
		if (got == "") != c.ok {
			t.Errorf("CheckURL(%q, %d) = %q, want ok %v", c.url, c.allow, got, c.ok)
		}
	}
	if got := egress.CheckURL("https://x.example/"+strings.Repeat("a", 3000), 2048, egress.Public, "a receiver"); !strings.Contains(got, "2048") {
		t.Errorf("long: %q", got)
	}
}

func TestPermits(t *testing.T) {
	for _, c := range []struct {
		addr  string
		allow egress.Allow
		ok    bool
	}{
		{"8.8.8.8", egress.Public, true},
		{"10.0.0.1", egress.Public, false},
		{"10.0.0.1", egress.Private, true},
		{"0.0.0.0", egress.Private, false},
		{"224.0.0.1", egress.Private, false},
		{"127.0.0.1", egress.Loopback, true},
		{"192.168.0.1", egress.Loopback, false},
	} {
		if got := c.allow.Permits(netip.MustParseAddr(c.addr)); got != c.ok {
			t.Errorf("%d permits %s = %v", c.allow, c.addr, got)
		}
	}
}

// TestSpecialAddresses: ranges that are not the internet, and IPv6
// addresses that carry an IPv4 one inside the network, are refused.
func TestSpecialAddresses(t *testing.T) {
	for _, s := range []string{"0.1.2.3", "198.18.0.1", "192.0.0.192", "240.0.0.1", "168.63.129.16", "169.254.169.254",
		"64:ff9b::a9fe:a9fe", "64:ff9b::7f00:1", "64:ff9b::a00:5", "2002:a9fe:a9fe::1", "2002:0a00:0001::1", "::a9fe:a9fe",
		"fec0::1", "2001:0:4136:e378:8000:63bf:f5ff:fffe" /* Teredo for 10.0.0.1 */, "fd00:ec2::254", "::ffff:10.0.0.1"} {
		if egress.PublicAddr(netip.MustParseAddr(s)) {
			t.Errorf("%s counted as public", s)
		}
	}
	for _, s := range []string{"8.8.8.8", "2606:4700:4700::1111", "64:ff9b::808:808", "2002:0808:0808::1"} {
		if !egress.PublicAddr(netip.MustParseAddr(s)) {
			t.Errorf("%s counted as not public", s)
		}
	}
}

// TestProxyDoesNotBypass: with a proxy in the environment the proxy
// connects, so the target is checked before the request goes to it.
func TestProxyDoesNotBypass(t *testing.T) {
	tr := egress.Client(egress.Public, 5*time.Second).Transport.(*http.Transport)
	for _, u := range []string{"http://localhost:8080/x", "http://127.0.0.1/x", "http://[::1]/x", "http://169.254.169.254/latest"} {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		if _, err := tr.Proxy(req); !egress.Refused(err) {
			t.Errorf("%s: %v", u, err)
		}
	}
}
