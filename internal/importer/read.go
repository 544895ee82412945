// Package importer reads people from files — CSV from contact apps, CRMs,
// MLS rosters and production reports, and vCards — maps their columns to
// Rapport's fields, checks every value, and writes them through the
// store's import session with dedupe against the people already there.
package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// sniffSize is how much of a file is read to tell its encoding and
// delimiter.
const sniffSize = 64 << 10

// maxFieldBytes bounds one cell; a larger one means the file is not the CSV
// it claims to be (or a quote was never closed).
const maxFieldBytes = 64 << 10

// MaxColumns and maxRecordBytes bound a row: no contact export has more
// columns than Outlook's 92 by much, and a file with thousands is not one
// (or is built to make the preview's work grow with it).
const (
	MaxColumns     = 500
	maxRecordBytes = 1 << 20
)

// Reader reads a CSV file of any common shape: UTF-8 with or without a
// byte-order mark, UTF-16 with one, or Latin-1/Windows-1252; comma,
// semicolon or tab separated; CRLF or LF; quoted fields that span lines.
type Reader struct {
	csv *csv.Reader
	// Header is the header row: the first that names columns Rapport
	// knows, which is not always the first (LinkedIn's Connections.csv
	// starts with a note).
	Header []string
	// HeaderLine is the line the header is on, and Skipped the lines
	// before it, for the report.
	HeaderLine int
	Skipped    []Problem
	// Delimiter and Encoding say what was detected.
	Delimiter rune
	Encoding  string
	// queue holds rows read while looking for the header.
	queue []Record
}

// headerSearch is how many rows are read looking for the header row.
const headerSearch = 30

// Record is one data row and the line it starts on.
type Record struct {
	Line   int
	Fields []string
	// Cleaned are the columns control characters were removed from.
	Cleaned []int
}

// ErrEmpty is returned for a file without a header row.
var ErrEmpty = errors.New("the file is empty")

// NewReader detects the file's encoding and delimiter and reads its header.
func NewReader(r io.Reader) (*Reader, error) {
	br := bufio.NewReaderSize(r, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	rd := &Reader{}
	var src io.Reader = br
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
		rd.Encoding = "UTF-8"
		head = head[3:]
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		// Excel's "Unicode text" export.
		src = transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
		rd.Encoding = "UTF-16"
	case utf8.Valid(trimPartialRune(head)):
		rd.Encoding = "UTF-8"
	default:
		src = transform.NewReader(br, charmap.Windows1252.NewDecoder())
		rd.Encoding = "Windows-1252"
	}
	if rd.Encoding == "UTF-16" {
		// Decode a little to see the header's delimiter.
		buf := bufio.NewReaderSize(src, sniffSize)
		head, _ = buf.Peek(sniffSize / 2)
		src = buf
	}
	rd.Delimiter = sniffDelimiter(head)
	c := csv.NewReader(&utf8Fixer{r: bufio.NewReader(src)})
	c.Comma = rd.Delimiter
	c.FieldsPerRecord = -1
	c.LazyQuotes = true
	c.ReuseRecord = true
	rd.csv = c
	if err := rd.findHeader(); err != nil {
		return nil, err
	}
	return rd, nil
}

// findHeader reads the header row: the first row at least two of whose
// cells name columns Rapport knows. Rows above it (a note, a title) are
// reported as skipped. A file where no row in the first headerSearch
// looks like a header has its first row as the header.
func (rd *Reader) findHeader() error {
	var seen []Record
	for len(seen) < headerSearch {
		rec, err := rd.read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if headerScore(rec.Fields) >= 2 {
			for _, s := range seen {
				rd.Skipped = append(rd.Skipped, Problem{Line: s.Line, Reason: "above the header row; not imported: " + truncate(strings.Join(nonBlank(s.Fields...), " "), 80)})
			}
			rd.setHeader(rec)
			return nil
		}
		seen = append(seen, rec)
	}
	if len(seen) == 0 {
		return ErrEmpty
	}
	rd.setHeader(seen[0])
	rd.queue = seen[1:]
	return nil
}

func (rd *Reader) setHeader(rec Record) {
	rd.HeaderLine = rec.Line
	for _, h := range rec.Fields {
		rd.Header = append(rd.Header, strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
	}
	// Trailing empty header cells (a trailing comma) name nothing.
	for len(rd.Header) > 1 && rd.Header[len(rd.Header)-1] == "" {
		rd.Header = rd.Header[:len(rd.Header)-1]
	}
}

// presetHeaders are the headers some preset names.
var presetHeaders = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range Presets {
		for _, sig := range p.Signature {
			m[sig] = true
		}
		for h := range p.exact {
			m[h] = true
		}
	}
	return m
}()

// headerScore counts the cells of a row that name a column Rapport knows.
func headerScore(cells []string) int {
	n := 0
	for _, c := range cells {
		h := normHeader(c)
		if h == "" || len(h) > 60 {
			continue
		}
		if f, _ := guessField(h); f != Ignore || presetHeaders[h] || pairRE.MatchString(h) {
			n++
		}
	}
	return n
}

// Next returns the next row that holds anything, or io.EOF. Blank rows
// (empty lines, or only delimiters and spaces) are skipped.
func (rd *Reader) Next() (Record, error) {
	if len(rd.queue) > 0 {
		rec := rd.queue[0]
		rd.queue = rd.queue[1:]
		return rec, nil
	}
	return rd.read()
}

func (rd *Reader) read() (Record, error) {
	for {
		fields, err := rd.csv.Read()
		if err != nil {
			if err == io.EOF {
				return Record{}, io.EOF
			}
			return Record{}, describeCSV(err)
		}
		line, _ := rd.csv.FieldPos(0)
		if len(fields) > MaxColumns {
			return Record{}, fmt.Errorf("line %d: %d columns; Rapport reads files of at most %d columns — is this a contact list?", line, len(fields), MaxColumns)
		}
		size := 0
		for _, f := range fields {
			size += len(f)
		}
		if size > maxRecordBytes {
			return Record{}, fmt.Errorf("line %d: a row of %d KB; Rapport reads rows of at most %d KB — is a quote left open?", line, size>>10, maxRecordBytes>>10)
		}
		blank := true
		for i, f := range fields {
			if len(f) > maxFieldBytes {
				return Record{}, fmt.Errorf("line %d, column %d: a cell longer than %d KB — is a quote left open?", line, i+1, maxFieldBytes>>10)
			}
			if strings.TrimSpace(f) != "" {
				blank = false
			}
		}
		if blank {
			continue
		}
		rec := Record{Line: line, Fields: append([]string(nil), fields...)}
		for i, f := range rec.Fields {
			if c := cleanText(f); len(c) != len(f) {
				rec.Fields[i] = c
				rec.Cleaned = append(rec.Cleaned, i)
			}
		}
		return rec, nil
	}
}

func describeCSV(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
	}
	return err
}

// trimPartialRune drops an incomplete UTF-8 sequence cut off at the end of
// a sniffed buffer.
func trimPartialRune(b []byte) []byte {
	for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
		r, size := utf8.DecodeLastRune(b)
		if r != utf8.RuneError || size > 1 {
			return b
		}
		b = b[:len(b)-1]
	}
	return b
}

// sniffDelimiter picks the delimiter that splits the header line most:
// comma, semicolon (European spreadsheets) or tab.
func sniffDelimiter(head []byte) rune {
	line := head
	inQuote := false
	for i, c := range head {
		if c == '"' {
			inQuote = !inQuote
		}
		if !inQuote && (c == '\n' || c == '\r') {
			line = head[:i]
			break
		}
	}
	best, bestN := ',', 0
	for _, d := range []rune{',', ';', '\t'} {
		n, q := 0, false
		for _, c := range string(line) {
			switch {
			case c == '"':
				q = !q
			case c == d && !q:
				n++
			}
		}
		if n > bestN {
			best, bestN = d, n
		}
	}
	return best
}

// utf8Fixer passes valid UTF-8 through and reads any byte that is not part
// of a valid sequence as Windows-1252, so a file that is mostly UTF-8 with
// a stray Latin-1 name still imports with the name intact.
type utf8Fixer struct {
	r   *bufio.Reader
	out []byte
}

func (u *utf8Fixer) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		chunk, err := u.r.ReadSlice('\n')
		if len(chunk) > 0 {
			u.out = fixUTF8(u.out[:0], chunk)
		}
		if err != nil && err != bufio.ErrBufferFull {
			if len(u.out) == 0 {
				return 0, err
			}
			break
		}
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}

func fixUTF8(dst, b []byte) []byte {
	if utf8.Valid(b) {
		return append(dst, b...)
	}
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			dst = utf8.AppendRune(dst, charmap.Windows1252.DecodeByte(b[0]))
			b = b[1:]
			continue
		}
		dst = append(dst, b[:size]...)
		b = b[size:]
	}
	return dst
}
