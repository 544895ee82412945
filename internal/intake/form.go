package intake

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// readForm reads a URL-encoded form body into an object, each field's
// value as text (a list when the field repeats).
func readForm(body []byte) (map[string]any, bool) {
	s := strings.TrimSpace(string(body))
	if s == "" || strings.ContainsAny(s[:1], "{[\"") || !strings.Contains(s, "=") || !utf8.ValidString(s) {
		return nil, false
	}
	vals, err := url.ParseQuery(s)
	if err != nil || len(vals) == 0 {
		return nil, false
	}
	m := map[string]any{}
	for k, vs := range vals {
		if strings.TrimSpace(k) == "" {
			return nil, false
		}
		if len(vs) == 1 {
			m[k] = vs[0]
			continue
		}
		list := make([]any, len(vs))
		for i, v := range vs {
			list[i] = v
		}
		m[k] = list
	}
	return m, true
}

// unflatten nests the fields of an object that tools flatten into one
// name: Zapier's "person__emails__0__value", a form's
// "person[emails][0][value]". An object whose fields are all numbers
// becomes a list. It reports whether any name was nested.
func unflatten(m map[string]any) bool {
	nested := false
	for _, k := range sortedKeys(m) {
		path := flatPath(k)
		if len(path) < 2 {
			continue
		}
		// Walk down, making objects as needed; a name that collides with
		// a value already there stays as it was.
		cur := m
		ok := true
		for _, part := range path[:len(path)-1] {
			next, exists := cur[part]
			if !exists {
				obj := map[string]any{}
				cur[part] = obj
				cur = obj
				continue
			}
			obj, isObj := next.(map[string]any)
			if !isObj {
				ok = false
				break
			}
			cur = obj
		}
		last := path[len(path)-1]
		if _, taken := cur[last]; !ok || taken {
			continue
		}
		cur[last] = m[k]
		delete(m, k)
		nested = true
	}
	if nested {
		for k, v := range m {
			m[k] = listify(v)
		}
	}
	return nested
}

// flatPath splits a flattened name: "a__b__0" and "a[b][0]" are a, b, 0.
func flatPath(k string) []string {
	if i := strings.IndexByte(k, '['); i > 0 && strings.HasSuffix(k, "]") {
		parts := []string{k[:i]}
		for _, p := range strings.Split(strings.TrimSuffix(k[i+1:], "]"), "][") {
			if p == "" {
				return nil
			}
			parts = append(parts, p)
		}
		return parts
	}
	parts := strings.Split(k, "__")
	for _, p := range parts {
		if p == "" {
			return nil
		}
	}
	return parts
}

// listify turns objects whose fields are 0, 1, 2 ... into lists, all the
// way down.
func listify(v any) any {
	obj, ok := v.(map[string]any)
	if !ok {
		return v
	}
	for k, x := range obj {
		obj[k] = listify(x)
	}
	list := make([]any, len(obj))
	for k, x := range obj {
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 || i >= len(obj) || list[i] != nil {
			return obj
		}
		list[i] = x
	}
	return list
}
