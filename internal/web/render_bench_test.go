package web

import (
	"testing"

	"github.com/sshblog/sshblog/internal/corpus"
	"github.com/sshblog/sshblog/internal/post"
)

// BenchmarkBody converts the body of posts of real shape (internal/corpus)
// to HTML: markdown, highlighted code and sanitising, the work of a page
// not kept.
func BenchmarkBody(b *testing.B) {
	posts := corpus.Generate(50, 1)
	bodies := make([][]byte, len(posts))
	for i, p := range posts {
		pp, err := post.Parse(p.Source, post.Options{Slug: p.Slug})
		if err != nil {
			b.Fatal(err)
		}
		bodies[i] = pp.Body
	}
	h := newBodyHTML()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, _, err := h.render(bodies[i%len(bodies)], nil); err != nil {
			b.Fatal(err)
		}
	}
}
