package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strings"

	"github.com/rapport-crm/rapport/internal/httpx"
	"github.com/rapport-crm/rapport/internal/rapport"
)

// maxBody bounds a request body.
const maxBody = 1 << 20

var errRoute = rapport.NotFound("endpoint")

// errMethod answers a path the API serves, asked with a method it does
// not take there (the Allow header lists those it does).
var errMethod = rapport.Errorf(rapport.EMETHOD, "This endpoint does not take that method; the Allow header lists those it does.")

// apiError is the body of every error answer.
type apiError struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Field is the first field at fault; Fields has them all.
	Field  string            `json:"field,omitempty"`
	Fields map[string]string `json:"fields,omitempty"`
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// fail answers with err as an API error. Internal errors are logged and
// reported without detail.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := rapport.ErrorCode(err)
	status := httpx.Status(code)
	if status == http.StatusInternalServerError {
		s.log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	body := errorBody{Code: code, Message: rapport.ErrorMessage(err)}
	var e *rapport.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		body.Fields = map[string]string{}
		for k, v := range e.Fields {
			body.Fields[jsonField(k)] = v
		}
		keys := make([]string, 0, len(body.Fields))
		for k := range body.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		body.Field = keys[0]
	}
	writeJSON(w, status, apiError{Error: body})
}

// fieldNames maps the domain's field names to the API's JSON names.
var fieldNames = map[string]string{
	"first_name": "firstName", "last_name": "lastName", "kind": "kind", "stage": "stageId", "owner": "ownerId",
	"referred_by": "referredById", "tz": "timeZone", "cadence_days": "cadenceDays", "licence_year": "recruit.licenceYear",
	"units_12m": "recruit.units12m", "volume_12m": "recruit.volume12m", "notes": "notes", "tags": "tags",
	"birthday": "birthday", "home_anniversary": "homeAnniversary", "channel": "channel", "direction": "direction",
	"outcome": "outcome", "duration": "durationSeconds", "temperature": "temperature", "next_step": "nextStep",
	"occurred_at": "occurredAt", "due": "dueOn", "due_time": "dueTime", "owes": "owes", "note": "note",
	"type": "type", "text": "text", "user": "userId", "cursor": "cursor", "source": "source", "users": "userIds",
	"parent_id": "parentId", "company_id": "companyId", "mls_id": "mlsId", "postal_code": "postalCode",
	"confirm_dnc": "confirmDoNotCall", "idempotency_key": "Idempotency-Key",
}

// jsonField turns "phone.1" into "phones[1].number", "fact.0.text" into
// "facts[0].text", "followup.due" into "followUp.dueOn", and the rest by
// fieldNames.
func jsonField(f string) string {
	head, rest, _ := strings.Cut(f, ".")
	switch head {
	case "phone", "email":
		sub := map[string]string{"phone": "number", "email": "address"}[head]
		return head + "s[" + rest + "]." + sub
	case "fact":
		i, tail, _ := strings.Cut(rest, ".")
		return "facts[" + i + "]." + jsonField(tail)
	case "followup":
		return "followUp." + jsonField(rest)
	case "row":
		return f
	}
	if n, ok := fieldNames[f]; ok {
		return n
	}
	return f
}

// decode reads a JSON body into v. Unknown fields are refused (a typo
// should not be silently ignored) unless lenient.
func decode(w http.ResponseWriter, r *http.Request, v any, lenient bool) error {
	return decodeLimit(w, r, v, lenient, maxBody)
}

// decodeLimit is decode for a body of up to limit bytes.
func decodeLimit(w http.ResponseWriter, r *http.Request, v any, lenient bool, limit int64) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return rapport.Errorf(rapport.EINVALID, "Send JSON with Content-Type: application/json.")
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return decodeError(err)
	}
	// A byte-order mark before the JSON (as some Windows tools write) is
	// not part of it.
	raw = bytes.TrimPrefix(raw, []byte("\uFEFF"))
	// A NUL or bytes that are not UTF-8 in any string: refused, with the
	// field, before anything reads it.
	if field, problem := httpx.JSONProblem(raw); field != "" {
		return &rapport.Error{Code: rapport.EINVALID, Message: field + ": " + problem, Fields: map[string]string{field: problem}}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if !lenient {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) && typ.Field == "" {
			// A field read by its own UnmarshalJSON (Optional) reports no
			// path since Go 1.27: find which field it was.
			typ.Field = typeErrorField(raw, v)
		}
		return decodeError(err)
	}
	if dec.More() {
		return rapport.Errorf(rapport.EINVALID, "The body holds more than one JSON value.")
	}
	return nil
}

// typeErrorField finds the top-level field of a JSON object whose value
// does not fit its field of v (a pointer to a struct), with the path
// inside it when the decoder gives one.
func typeErrorField(raw []byte, v any) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return ""
	}
	t := reflect.TypeOf(v)
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return ""
	}
	t = t.Elem()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		value, ok := obj[name]
		if !ok {
			continue
		}
		var typ *json.UnmarshalTypeError
		if err := json.Unmarshal(value, reflect.New(f.Type).Interface()); errors.As(err, &typ) {
			if typ.Field != "" {
				return name + "." + typ.Field
			}
			return name
		}
	}
	return ""
}

func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, io.EOF):
		return rapport.Errorf(rapport.EINVALID, "The body is empty; send a JSON object.")
	case errors.As(err, &syntax):
		return rapport.Errorf(rapport.EINVALID, "The body is not valid JSON (at byte %d).", syntax.Offset)
	case errors.As(err, &typ):
		// Said in JSON's terms: the field's Go type means nothing to the
		// caller (and is none of their business).
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return &rapport.Error{Code: rapport.EINVALID, Message: "A field has the wrong type.",
			Fields: map[string]string{field: "Expected " + jsonKind(typ.Type) + ", got " + jsonValueKind(typ.Value) + "."}}
	case errors.As(err, &tooBig):
		return rapport.Errorf(rapport.ETOOLARGE, "The body is larger than %d bytes.", tooBig.Limit)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &rapport.Error{Code: rapport.EINVALID, Message: "Unknown field " + name + ".", Fields: map[string]string{name: "Unknown field."}}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return rapport.Errorf(rapport.EINVALID, "The body is not valid JSON (it ends too soon).")
	}
	// Anything else the decoder says may name our types; say it plainly.
	return rapport.Errorf(rapport.EINVALID, "The body could not be read as the JSON this endpoint takes.")
}

// jsonKind names what JSON a Go type reads: "a number", "text", "a list".
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another kind of value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number of zero or more"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "text"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "another kind of value"
}

// jsonValueKind names the JSON the decoder met, as it reports it
// ("number", "string", "array", "object", "bool", or "number 1.5").
func jsonValueKind(v string) string {
	kind, rest, _ := strings.Cut(v, " ")
	name := map[string]string{"number": "a number", "string": "text", "array": "a list", "object": "an object", "bool": "true or false", "null": "null"}[kind]
	if name == "" {
		return "another kind of value"
	}
	if rest != "" && kind == "number" {
		return name + " (" + rest + ")"
	}
	return name
}

// list is the shape of every list answer.
type list[T any] struct {
	Items []T     `json:"items"`
	Next  *string `json:"next"`
}

func newList[T any](items []T, next string) list[T] {
	if items == nil {
		items = []T{}
	}
	l := list[T]{Items: items}
	if next != "" {
		l.Next = &next
	}
	return l
}
