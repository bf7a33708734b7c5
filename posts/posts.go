// Package posts holds the blog's built-in posts. They are compiled into the
// binary and fill an empty store on its first start.
package posts

import (
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/sshblog/sshblog/internal/post"
)

// FS holds the built-in posts: one markdown file with front matter per post,
// named SLUG.md.
//
//go:embed *.md
var FS embed.FS

// Load parses every built-in post. Dates without a zone are in loc. The slug
// of each post is its file name without ".md".
func Load(loc *time.Location) ([]*post.Post, error) {
	names, err := fs.Glob(FS, "*.md")
	if err != nil {
		return nil, fmt.Errorf("listing built-in posts: %w", err)
	}
	out := make([]*post.Post, 0, len(names))
	for _, name := range names {
		src, err := FS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("reading built-in post %s: %w", name, err)
		}
		slug, err := post.SlugFromFileName(name)
		if err != nil {
			return nil, fmt.Errorf("built-in post %s: %w", name, err)
		}
		p, err := post.Parse(src, post.Options{Slug: slug, Location: loc})
		if err != nil {
			return nil, fmt.Errorf("built-in post %s: %w", name, err)
		}
		out = append(out, p)
	}
	return out, nil
}
