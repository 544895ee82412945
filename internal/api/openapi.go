package api

import (
	_ "embed"
	"net/http"
)

// openAPIDoc is the API's contract, kept by hand; a test checks that it
// and the routes match both ways.
//
//go:embed openapi.json
var openAPIDoc []byte

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(openAPIDoc)
}
