package web

import (
	"html/template"
	"strings"
	"sync"
)

// A form's parts — the facts learned, the next step, minutes and
// temperature, a fact to add — were most of what drawing the person page
// cost (0.27 of its 0.45 ms of content at 20,000 people, measured by
// drawing the page without them): dozens of options, each asking the form
// through html/template's reflection whether it is the one chosen. They
// are the same on every page whose form says the same: an empty form on
// one person's page draws as on anyone's.
//
// So a page draws such a part with {{formPart "next-step" .Form}}, and
// what the part's template wrote for a form is kept under the form's
// values and reused for the next form with the same values. A part's
// template may read only its form and the fixed conversation options
// (formOpt{Form, options}): nothing of the page, the user or the time, or
// the kept copy would show it to the wrong page. A form with errors is
// drawn afresh every time (it is a failed submission, seen once).
type formParts struct {
	t  *template.Template // the partials, parsed on their own
	mu sync.RWMutex
	// kept maps a part's name and its form's values to what it wrote.
	// Bounded: when full it is emptied (forms with typed values, a time
	// prefilled to the minute, would otherwise grow it for good).
	kept map[string]template.HTML
}

// formPartsKept bounds formParts.kept; formPartKeyMax skips keeping forms
// whose values are long (something typed, not a default).
const (
	formPartsKept  = 128
	formPartKeyMax = 512
)

func newFormParts() *formParts { return &formParts{kept: map[string]template.HTML{}} }

// draw writes the part name for f.
func (p *formParts) draw(name string, f *form) (template.HTML, error) {
	key := ""
	if len(f.Errors) == 0 {
		key = name + "\x00" + f.Values.Encode()
		if len(key) > formPartKeyMax {
			key = ""
		}
	}
	if key != "" {
		p.mu.RLock()
		h, ok := p.kept[key]
		p.mu.RUnlock()
		if ok {
			return h, nil
		}
	}
	var b strings.Builder
	if err := p.t.ExecuteTemplate(&b, name, formOpt{Form: f, Opt: options}); err != nil {
		return "", err
	}
	h := template.HTML(b.String())
	if key != "" {
		p.mu.Lock()
		if len(p.kept) >= formPartsKept {
			clear(p.kept)
		}
		p.kept[key] = h
		p.mu.Unlock()
	}
	return h, nil
}
