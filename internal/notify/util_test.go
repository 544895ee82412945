package notify_test

import (
	"encoding/base64"
	"io"
	"strconv"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func base64Reader(r io.Reader) io.Reader { return base64.NewDecoder(base64.StdEncoding, r) }
