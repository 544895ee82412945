package inbound_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/inbound"
)

// FuzzParse: whatever a stranger sends to a private address, reading it
// neither panics nor keeps more text than it holds.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"From: a@b.c\r\nSubject: hi\r\n\r\nbody\r\n",
		"From: \"Dana\" <d@example.com>\r\nTo: x@y.z, w@v.u\r\nSubject: =?UTF-8?B?w6lsw6k=?=\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=C3=A9\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--b--\r\n",
		"From: a@b.c\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: multipart/alternative; boundary=r\r\n\r\n--r\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\nPGI+aGk8L2I+\r\n--r--\r\n--q--\r\n",
		"From: nobody\r\n\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		e, err := inbound.Parse(raw)
		if err != nil {
			return
		}
		if len(e.Body) > len(raw)*2+16 {
			t.Fatalf("body of %d bytes from a message of %d", len(e.Body), len(raw))
		}
		if !strings.Contains(e.FromAddr, "@") && e.FromAddr != "" {
			t.Fatalf("from %q", e.FromAddr)
		}
		_ = utf8.ValidString(e.Subject)
	})
}
