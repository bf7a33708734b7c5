package blog

import (
	"net/url"
	"path"
	"regexp"
	"strings"

	"github.com/sshblog/sshblog/internal/post"
)

// permalink matches the addresses blogs give posts, so that a link to a
// post's old address on the blog it was imported from still leads to it:
// Jekyll's /2024/02/01/SLUG/ (and /2024/02/SLUG/), Hugo's /posts/SLUG/,
// Astro's /blog/SLUG/, this blog's /posts/SLUG and /pages/SLUG.
var permalink = regexp.MustCompile(`^/(?:\d{4}/(?:\d{2}/){1,2}|(?:posts|post|blog|pages|p)/)([^/]+?)(?:\.html?)?/?$`)

// ResolveLink returns the post a link in a post leads to, if it leads to
// one id may see: a relative link (SLUG, /posts/SLUG), a link on the
// blog's own host (host, when not empty), or the address a post had on the
// blog it was imported from (a permalink whose last part names it, on any
// host). Other links are outside the blog.
func (b *Service) ResolveLink(id Identity, link, host string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil || (u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https") {
		return "", false
	}
	var slug string
	switch {
	case u.Host == "" && !strings.HasPrefix(u.Path, "/"): // SLUG, SLUG.md, ../SLUG/
		slug = strings.TrimSuffix(path.Base(strings.TrimSuffix(u.Path, "/")), ".md")
	case u.Host == "" || (host != "" && strings.EqualFold(u.Hostname(), host)):
		slug = path.Base(strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), ".md"))
	default:
		m := permalink.FindStringSubmatch(u.Path)
		if m == nil {
			return "", false
		}
		slug = m[1]
	}
	if post.CheckSlug(slug) != nil {
		return "", false
	}
	e, err := b.Entry(id, slug)
	if err != nil {
		return "", false
	}
	return e.Slug, true
}
