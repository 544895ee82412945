package web

import "testing"

// TestNextStaysOnThisSite: the known ways of writing another site as a
// path after sign-in all fall back to Today; paths of this site are kept,
// cleaned.
func TestNextStaysOnThisSite(t *testing.T) {
	for _, bad := range []string{
		"//evil.test", "///evil.test", "/\\evil.test", "\\/evil.test", "\\\\evil.test", "/./\\evil.test",
		"/%2F/evil.test", "/%2f%2fevil.test", "/%5Cevil.test", "/%5cevil.test", "%2F%2Fevil.test", "/\tevil.test", "/\t/evil.test",
		"/\n/evil.test", "/\r\n//evil.test", "/%09/evil.test", "/%0A/evil.test", "https://evil.test", "http:/evil.test",
		"javascript:alert(1)", "evil.test", "/ /evil.test\x00", "", "/\x7f", "//%2F/evil.test",
	} {
		if got := safeNext(bad); got != "/today" {
			t.Errorf("safeNext(%q) = %q", bad, got)
		}
	}
	for in, want := range map[string]string{
		"/people?kind=lead":  "/people?kind=lead",
		"/people/12#story":   "/people/12#story",
		"/./people":          "/people",
		"/a/../people":       "/people",
		"/import/":           "/import/",
		"/search?q=%2F%2Fx":  "/search?q=%2F%2Fx",
		"/people/Ren%C3%A9e": "/people/Ren%C3%A9e",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
