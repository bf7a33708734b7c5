package web

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/sshblog/sshblog/internal/store"
)

// feedEntries is how many posts a feed holds, newest first.
const feedEntries = 20

// Atom 1.0 (RFC 4287), as much of it as the blog fills.
type (
	atomFeed struct {
		XMLName  xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
		Lang     string      `xml:"xml:lang,attr,omitempty"`
		Title    string      `xml:"title"`
		Subtitle string      `xml:"subtitle,omitempty"`
		ID       string      `xml:"id"`
		Updated  string      `xml:"updated"`
		Links    []atomLink  `xml:"link"`
		Author   atomPerson  `xml:"author"`
		Entries  []atomEntry `xml:"entry"`
	}
	atomLink struct {
		Rel  string `xml:"rel,attr"`
		Type string `xml:"type,attr,omitempty"`
		Href string `xml:"href,attr"`
	}
	atomPerson struct {
		Name string `xml:"name"`
	}
	atomEntry struct {
		Title      string         `xml:"title"`
		ID         string         `xml:"id"`
		Published  string         `xml:"published"`
		Updated    string         `xml:"updated"`
		Author     *atomPerson    `xml:"author,omitempty"`
		Link       atomLink       `xml:"link"`
		Summary    string         `xml:"summary,omitempty"`
		Content    atomText       `xml:"content"`
		Categories []atomCategory `xml:"category"`
	}
	atomText struct {
		Type string `xml:"type,attr"`
		Body string `xml:",chardata"`
	}
	atomCategory struct {
		Term string `xml:"term,attr"`
	}
)

func (s *Server) feed(w http.ResponseWriter, r *http.Request) {
	s.cached(w, r, "feed", s.feedXML)
}

// feedXML is the feed of every post.
func (s *Server) feedXML(ctx context.Context, base string) (*page, error) {
	es, err := s.blog.List(ctx, anyone)
	if err != nil {
		return nil, err
	}
	posts, _ := split(es)
	p, err := s.atom(ctx, base, posts, s.cfg.Title, "/feed.xml")
	if err != nil {
		return nil, err
	}
	return p.on(depLists, depFeed), nil
}

func (s *Server) tagFeed(w http.ResponseWriter, r *http.Request) {
	tag := r.PathValue("tag")
	s.cached(w, r, "feed "+tag, s.tagFeedOf(tag))
}

// tagFeedOf builds the feed of the posts tagged tag.
func (s *Server) tagFeedOf(tag string) buildFunc {
	return func(ctx context.Context, base string) (*page, error) {
		es, err := s.blog.Tagged(ctx, anyone, tag)
		if err != nil {
			return nil, err
		}
		p, err := s.atom(ctx, base, es, s.cfg.Title+": #"+tag, tagPath(tag)+"/feed.xml")
		if err != nil {
			return nil, err
		}
		return p.on(depTag(tag), depTagFeed(tag)), nil
	}
}

// atom writes the feed of posts (newest first) found at self.
func (s *Server) atom(ctx context.Context, base string, posts []store.Entry, title, self string) (*page, error) {
	host := hostOf(base)
	f := atomFeed{
		Lang: s.cfg.Lang, Title: title, Subtitle: s.cfg.Description,
		ID: base + self,
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: base + self},
			{Rel: "alternate", Type: "text/html", Href: base + "/"},
		},
		Author: atomPerson{Name: s.cfg.Title},
	}
	updated := time.Unix(0, 0).UTC()
	for _, e := range posts[:min(feedEntries, len(posts))] {
		entry, err := s.atomEntry(ctx, base, host, e)
		if err != nil {
			return nil, err
		}
		f.Entries = append(f.Entries, entry)
		if e.Updated.After(updated) {
			updated = e.Updated
		}
	}
	f.Updated = updated.UTC().Format(time.RFC3339)
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("writing the feed: %w", err)
	}
	return newPage(http.StatusOK, "application/atom+xml; charset=utf-8", buf.Bytes(), updated), nil
}

// atomEntry is a post in a feed. Its id is a tag URI made from the time
// readers could first see the post (blog.FirstPublic), which a rename
// keeps (the history moves with the post) and an edit does not change, so
// a renamed or edited post is not a new entry to feed readers.
func (s *Server) atomEntry(ctx context.Context, base, host string, e store.Entry) (atomEntry, error) {
	p, rev, err := s.blog.Post(ctx, anyone, e.Slug)
	if err != nil {
		return atomEntry{}, err
	}
	born, err := s.blog.FirstPublic(ctx, anyone, e.Slug)
	if err != nil {
		return atomEntry{}, fmt.Errorf("reading the history of %s: %w", e.Slug, err)
	}
	born = born.UTC()
	body, _, err := s.bodyOf(rev.Slug, rev.Rev, p.Body)
	if err != nil {
		return atomEntry{}, err
	}
	published := p.Date
	if published.IsZero() {
		published = born
	}
	entry := atomEntry{
		Title:     titleOf(e),
		ID:        "tag:" + host + "," + born.Format("2006-01-02") + ":post:" + strconv.FormatInt(born.UnixNano(), 10),
		Published: published.UTC().Format(time.RFC3339),
		Updated:   rev.Time.UTC().Format(time.RFC3339),
		Link:      atomLink{Rel: "alternate", Type: "text/html", Href: base + postPath(e) + "?" + fromFeed},
		Summary:   p.Description,
		Content:   atomText{Type: "html", Body: string(body)},
	}
	if bl, err := s.blog.Byline(ctx, anyone, p, rev); err == nil && bl.Author != "" {
		entry.Author = &atomPerson{Name: bl.Author}
	}
	for _, t := range p.Tags {
		entry.Categories = append(entry.Categories, atomCategory{Term: t})
	}
	return entry, nil
}

// hostOf is the host name of an absolute URL.
func hostOf(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Hostname() == "" {
		return "localhost"
	}
	return u.Hostname()
}

// sitemap lists every page (sitemaps.org protocol 0.9).
type (
	urlSet struct {
		XMLName xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
		URLs    []sitemapURL `xml:"url"`
	}
	sitemapURL struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod,omitempty"`
	}
)

func (s *Server) sitemap(w http.ResponseWriter, r *http.Request) {
	s.cached(w, r, "sitemap", s.sitemapXML)
}

// sitemapXML is the sitemap.
func (s *Server) sitemapXML(ctx context.Context, base string) (*page, error) {
	{
		es, err := s.blog.List(ctx, anyone)
		if err != nil {
			return nil, err
		}
		tags, err := s.blog.Tags(ctx, anyone)
		if err != nil {
			return nil, err
		}
		set := urlSet{URLs: []sitemapURL{{Loc: base + "/", LastMod: lastMod(newest(es))}}}
		for _, e := range es {
			set.URLs = append(set.URLs, sitemapURL{Loc: base + postPath(e), LastMod: lastMod(e.Updated)})
		}
		for _, t := range tags {
			set.URLs = append(set.URLs, sitemapURL{Loc: base + tagPath(t.Name)})
		}
		var buf bytes.Buffer
		buf.WriteString(xml.Header)
		if err := xml.NewEncoder(&buf).Encode(set); err != nil {
			return nil, fmt.Errorf("writing the sitemap: %w", err)
		}
		return newPage(http.StatusOK, "application/xml; charset=utf-8", buf.Bytes(), newest(es)).on(depLists, depSitemap), nil
	}
}

// lastMod formats a sitemap date.
func lastMod(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
