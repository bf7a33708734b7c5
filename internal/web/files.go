package web

import (
	"bytes"
	"net/http"
	"net/url"
	"path"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/sshblog/sshblog/internal/media"
)

// fileCSP is the Content-Security-Policy of every file the blog serves:
// opened on its own, an SVG (which may hold scripts and handlers) runs
// nothing, loads nothing and reaches nothing of the site (sandbox: an
// opaque origin); shown by a post's <img>, a browser runs nothing of it
// anyway.
const fileCSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"

// serveFile answers r with the blog's file at its path, if there is one,
// and reports whether it did: with its type (never HTML: media.Inspect
// refused that at upload), a strong ETag from its hash, Last-Modified,
// ranges, and a day's caching with revalidation.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	p := norm.NFC.String(r.URL.Path)
	e, ok := s.blog.File(p)
	if !ok {
		return false
	}
	h := w.Header()
	etag := `"` + e.Hash[:32] + `"`
	h.Set("ETag", etag)
	h.Set("Content-Type", e.Type)
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("Content-Security-Policy", fileCSP)
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	if !media.IsImage(e.Type) && e.Type != "application/pdf" && !strings.HasPrefix(e.Type, "text/plain") {
		h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(path.Base(p)))
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && (inm == etag || inm == "*" || strings.Contains(inm, etag)) {
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	data, err := s.blog.FileData(r.Context(), e)
	if err != nil {
		s.log.Warn("reading a file", "path", p, "err", err)
		http.Error(w, "the file cannot be read now; try again", http.StatusServiceUnavailable)
		return true
	}
	http.ServeContent(w, r, "", e.Updated, bytes.NewReader(data))
	return true
}
