package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"sort"
	"strconv"
	"unicode/utf8"
)

// TextProblem says what makes s unfit to store as text, or "": bytes that
// are not UTF-8, or a control character (a NUL, an escape) other than a
// tab or a line break. Such values are refused at the door with the field
// they came in, rather than stored to break what reads them later.
func TextProblem(s string) string {
	if !utf8.ValidString(s) {
		return "is not UTF-8 text"
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7F {
			return "holds a control character (such as a NUL byte), which no text can"
		}
	}
	return ""
}

// ValuesProblem finds the first field of a form or a query string (names
// in order) whose name or a value TextProblem refuses.
func ValuesProblem(v url.Values) (field, problem string) {
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if p := TextProblem(k); p != "" {
			return strconv.Quote(k), "The field name " + p + "."
		}
		for _, s := range v[k] {
			if p := TextProblem(s); p != "" {
				return k, "The value " + p + "."
			}
		}
	}
	return "", ""
}

// JSONProblem finds the first string of a JSON body — a key or a value —
// that TextProblem refuses, and says where it is ("person.emails[0]").
// A body that is not valid JSON is left to the decoder to describe.
func JSONProblem(body []byte) (field, problem string) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type frame struct {
		object bool
		key    string
		index  int
		// expectKey: in an object, the next string is a key.
		expectKey bool
	}
	var stack []frame
	path := func() string {
		var b []byte
		for i, f := range stack {
			if f.object {
				if f.key == "" {
					continue
				}
				if i > 0 && len(b) > 0 {
					b = append(b, '.')
				}
				b = append(b, f.key...)
			} else {
				b = append(b, '[')
				b = strconv.AppendInt(b, int64(f.index), 10)
				b = append(b, ']')
			}
		}
		if len(b) == 0 {
			return "body"
		}
		return string(b)
	}
	// value marks that a value was read in the current frame.
	value := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].object {
				stack[n-1].expectKey = true
			} else {
				stack[n-1].index++
			}
		}
	}
	prev := int64(0)
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) || err != nil {
			return "", ""
		}
		end := dec.InputOffset()
		raw := body[prev:end]
		prev = end
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{object: true, expectKey: true})
			case '[':
				stack = append(stack, frame{})
			default:
				stack = stack[:len(stack)-1]
				value()
			}
		case string:
			// The decoder turns bytes that are not UTF-8 into U+FFFD: look
			// at the raw bytes of the token.
			p := TextProblem(t)
			if p == "" && !utf8.Valid(raw) {
				p = TextProblem(string(raw))
			}
			n := len(stack)
			if n > 0 && stack[n-1].object && stack[n-1].expectKey {
				stack[n-1].key, stack[n-1].expectKey = t, false
				if p != "" {
					return path(), "The field name " + p + "."
				}
				continue
			}
			if p != "" {
				return path(), "The value " + p + "."
			}
			value()
		default:
			value()
		}
	}
}
