package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/yuin/goldmark/util"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/media"
	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/stats"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/termtext"
)

// anyone is who every web request acts as: a reader with no key.
var anyone = blog.Identity{}

// defaultWidth is the width of a post for a terminal without ?width=N.
const defaultWidth = 80

// perPage is how many posts a list page shows.
const perPage = 20

// site is what every page knows of the blog.
type site struct {
	Title, Description string
	URL                string // absolute, no trailing slash
	SSH                string // how to reach the blog in a terminal: ssh [-p PORT] HOST
}

// view is what a page's template is given.
type view struct {
	Blog        site
	Lang        string
	Title       string
	Description string
	Canonical   string
	Image       string
	TagFeed     *tagLink
	Heading     string
	Posts       []postLink
	Pages       []postLink
	Newer       string
	Older       string
	Tags        []tagLink
	Post        *postView
	Query       string // the search box's words
}

// postLink is a post in a list.
type postLink struct {
	URL, Title, Description string
	Lang                    string // "ko" for a Korean title or description on a blog of another language
	Date                    time.Time
	DateText                string
}

// tagLink is a tag and where its posts are.
type tagLink struct {
	Name, URL string
	Posts     int
}

// postView is one post's page.
type postView struct {
	Title, Author, Lang, Series, SSH string
	Date                             time.Time
	DateText                         string
	Tags                             []tagLink
	Body                             template.HTML
	Hero                             *heroImage // the featured image, if any
}

// heroImage is a post's featured image, shown above its body.
type heroImage struct {
	Src           string // where it is: a file of the blog by its path, else as written
	Width, Height int    // its size, when it is a file of the blog
}

// base is the blog's absolute address for r.
func (s *Server) base(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// site returns what pages know of the blog, for r.
func (s *Server) site(r *http.Request) site { return s.siteAt(s.base(r)) }

// siteAt returns what pages know of the blog at base.
func (s *Server) siteAt(base string) site {
	return site{Title: s.cfg.Title, Description: s.cfg.Description, URL: base, SSH: s.sshCommand(base)}
}

// sshCommand is "ssh HOST" or "ssh -p PORT HOST" for the blog at base.
func (s *Server) sshCommand(base string) string {
	host, port, err := net.SplitHostPort(s.cfg.SSHAddr)
	if err != nil {
		host, port = "", "22"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		if u, err := url.Parse(base); err == nil {
			host = u.Hostname()
		}
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port == "" || port == "22" {
		return "ssh " + host
	}
	return "ssh -p " + port + " " + host
}

// wantsText reports whether r comes from a terminal: curl, Wget or HTTPie,
// or anything that does not ask for HTML.
func wantsText(r *http.Request) bool {
	ua := r.Header.Get("User-Agent")
	for _, p := range []string{"curl/", "Wget/", "HTTPie/"} {
		if strings.HasPrefix(ua, p) {
			return true
		}
	}
	accept := r.Header.Get("Accept")
	return !strings.Contains(accept, "text/html") && !strings.Contains(accept, "application/xhtml")
}

// cached serves the page kept under key, building it first if need be.
// The key holds everything the page depends on besides the blog itself.
// Without base-url, links are made from the request's host, so the key
// holds it too; pages are kept for the first maxHosts hosts only, and are
// built for every request to another (whose cost is the page around the
// posts' bodies: those are kept once for every host, see bodyOf).
func (s *Server) cached(w http.ResponseWriter, r *http.Request, key string, build buildFunc) {
	s.cachedRev(w, r, key, 0, build)
}

// cachedRev is cached for a page of one post, which must show revision
// rev of it: a page kept from an older one is built again at once, before
// the change feed has dropped it. (A list kept from before a change is
// likewise built again at once: see page.fresh.)
func (s *Server) cachedRev(w http.ResponseWriter, r *http.Request, key string, rev uint64, build buildFunc) {
	base := s.base(r)
	keep := true
	if s.cfg.BaseURL == "" {
		key = base + " " + key
		keep = s.hosts.allow(base)
	}
	p, ok := s.cache.get(key)
	if !ok || !p.fresh(rev) {
		var err error
		if p, err = s.buildOnce(r.Context(), key, base, rev, build, keep); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	p.write(w, r, &s.bufs)
}

// buildOnce builds the page kept under key (of revision rev of its post,
// or 0), and keeps it if keep; a request and the background builder that
// want the same page at once share one build.
func (s *Server) buildOnce(ctx context.Context, key, base string, rev uint64, build buildFunc, keep bool) (*page, error) {
	if !keep {
		return s.build(ctx, base, build)
	}
	var p *page
	for range 3 { // a build joined may have begun before a change
		v, err, _ := s.flights.Do(key, func() (any, error) {
			if p, ok := s.cache.get(key); ok && p.fresh(rev) { // built while this waited
				return p, nil
			}
			gen, since := s.cache.generation(), s.blog.Changed()
			// Not the request's own context: others may be waiting for it.
			p, err := s.build(context.WithoutCancel(ctx), base, build)
			if err != nil {
				return nil, err
			}
			p.since.Store(&since)
			p.compress()
			s.cache.put(&item{key: key, p: p, base: base, build: build}, gen)
			return p, nil
		})
		if err != nil {
			return nil, err
		}
		if p = v.(*page); p.fresh(rev) {
			break
		}
		s.flights.Forget(key)
	}
	return p, nil
}

// build builds a page, counting it.
func (s *Server) build(ctx context.Context, base string, build buildFunc) (*page, error) {
	s.pageBuilds.Add(1)
	return build(ctx, base)
}

// bodyOf returns the HTML of the markdown of the post slug at revision
// rev, converted at most once per change of the blog whatever the host
// asked for: it is the costly part of a post's page and feed entry. It is
// kept gzipped only: it is read again only to build a page. Its images'
// sizes come from the blog's files, so it depends on them: the pages of
// the files it names are returned (depFile), for the pages built from it.
func (s *Server) bodyOf(slug string, rev uint64, markdown []byte) (template.HTML, []string, error) {
	key := bodyKey(slug, rev)
	if p, ok := s.cache.get(key); ok {
		if body, err := p.unpack(nil); err == nil {
			return template.HTML(body), p.deps, nil // #nosec: sanitised when kept
		}
	}
	type kept struct {
		body []byte
		deps []string
	}
	v, err, _ := s.flights.Do(key, func() (any, error) {
		if p, ok := s.cache.get(key); ok { // converted while this waited
			body, err := p.unpack(nil)
			return kept{body, p.deps}, err
		}
		gen := s.cache.generation()
		s.bodyRenders.Add(1)
		body, files, err := s.body.render(markdown, s.imagesOf(slug))
		if err != nil {
			return nil, err
		}
		deps := make([]string, 0, len(files))
		for _, f := range files {
			deps = append(deps, depFile(f))
		}
		// Kept in S2 alone: it is only read to build pages. Its key names
		// the revision, which never changes; it depends only on the files
		// it shows. The bodies of old revisions go as the least recently
		// used.
		p := (&page{s2: s2Bytes([]byte(body))}).on(deps...)
		s.cache.put(&item{key: key, p: p}, gen)
		return kept{[]byte(body), deps}, nil
	})
	if err != nil {
		return "", nil, err
	}
	k := v.(kept)
	return template.HTML(k.body), k.deps, nil // #nosec: sanitised
}

// imagesOf resolves the images of the post slug: a reference to one of the
// blog's files becomes the file's path, with its size when it is there.
func (s *Server) imagesOf(slug string) imageResolver {
	return func(ref string) (string, int, int, string) {
		p, ok := blog.ResolveImage(slug, ref)
		if !ok {
			return string(util.URLEscape([]byte(ref), true)), 0, 0, ""
		}
		src := (&url.URL{Path: p}).EscapedPath()
		if e, ok := s.blog.File(p); ok {
			return src, e.Width, e.Height, p
		}
		return src, 0, 0, p
	}
}

// bodyKey is the key of a post's body at revision rev.
func bodyKey(slug string, rev uint64) string {
	return "body " + blog.Ref{Slug: slug, Rev: rev}.String()
}

// fail answers an error: the same page for every post a visitor may not
// see, a 503 for what needs the store while it is away, and a one-line 500
// for the rest (the details go to the log).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, blog.ErrNotFound) {
		s.notFound(w, r)
		return
	}
	if errors.Is(err, store.ErrAway) {
		w.Header().Set("Retry-After", "10")
		http.Error(w, store.ErrAway.Error(), http.StatusServiceUnavailable)
		return
	}
	s.log.Error("web", "path", r.URL.Path, "err", err)
	http.Error(w, "the blog could not answer; try again later", http.StatusInternalServerError)
}

// oldAddress redirects an address a post had on the blog this one replaced
// (a Jekyll /2024/02/01/SLUG/, a Hugo /posts/SLUG/, an Astro /blog/SLUG/):
// its last part names the post, by its slug or an alias. It reports
// whether it answered.
func (s *Server) oldAddress(w http.ResponseWriter, r *http.Request) bool {
	last := path.Base(strings.TrimSuffix(strings.TrimSuffix(r.URL.Path, "/"), ".html"))
	if last == "." || last == "/" || post.CheckSlug(last) != nil {
		return false
	}
	e, err := s.blog.Entry(anyone, last)
	if err != nil {
		return false
	}
	http.Redirect(w, r, postPath(e), http.StatusMovedPermanently)
	return true
}

// notFound is the one 404 page, for unknown, draft, scheduled and removed
// posts alike. An old address of a post is sent to where it is now.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if s.serveFile(w, r) {
		return
	}
	if r.Method == http.MethodGet && !strings.HasPrefix(r.URL.Path, "/posts/") && !strings.HasPrefix(r.URL.Path, "/pages/") && s.oldAddress(w, r) {
		return
	}
	if wantsText(r) {
		http.Error(w, "no such post", http.StatusNotFound)
		return
	}
	body, err := s.html("notfound", view{Blog: s.site(r), Lang: s.cfg.Lang, Title: "Not found", Canonical: s.base(r) + "/"})
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	newPage(http.StatusNotFound, "text/html; charset=utf-8", body, time.Time{}).write(w, r, &s.bufs)
}

// html executes the template of a kind of page.
func (s *Server) html(kind string, v view) ([]byte, error) {
	var buf bytes.Buffer
	if err := s.kinds[kind].ExecuteTemplate(&buf, "layout", v); err != nil {
		return nil, fmt.Errorf("writing the %s page: %w", kind, err)
	}
	return buf.Bytes(), nil
}

// dateText is how pages show a date: in the blog's time zone.
func (s *Server) dateText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(s.blog.Location()).Format("2006-01-02")
}

// link is a post as a list shows it.
func (s *Server) link(e store.Entry) postLink {
	l := postLink{URL: postPath(e), Title: titleOf(e), Description: e.Description, Date: e.Date, DateText: s.dateText(e.Date)}
	l.Lang = s.langOf(l.Title + "\n" + l.Description)
	return l
}

// langOf is the lang attribute for text on a page of the blog's language:
// the language its script shows (post.DetectLang) if that is not the
// blog's, else "". Korean breaks lines between words, Chinese and Japanese
// between characters (the stylesheet's word-break), so each must be marked
// wherever it appears.
func (s *Server) langOf(text string) string {
	if l := post.DetectLang(text); l != "" && !post.SameLanguage(l, s.cfg.Lang) {
		return l
	}
	return ""
}

// postPath is where a post or page lives.
func postPath(e store.Entry) string {
	if e.Page {
		return "/pages/" + url.PathEscape(e.Slug)
	}
	return "/posts/" + url.PathEscape(e.Slug)
}

// tagPath is where a tag's posts are listed.
func tagPath(tag string) string { return "/tags/" + url.PathEscape(tag) }

// titleOf is a post's title, or its slug.
func titleOf(e store.Entry) string {
	if t := termtext.SanitizeLine(e.Title); t != "" {
		return t
	}
	return termtext.SanitizeLine(e.Slug)
}

// newest is the latest change among es.
func newest(es []store.Entry) time.Time {
	var t time.Time
	for _, e := range es {
		if e.Updated.After(t) {
			t = e.Updated
		}
	}
	return t
}

// split separates dated posts from standing pages.
func split(es []store.Entry) (posts, pages []store.Entry) {
	for _, e := range es {
		if e.Page {
			pages = append(pages, e)
		} else {
			posts = append(posts, e)
		}
	}
	return posts, pages
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.Atoi(r.URL.Query().Get("page"))
	n = max(n, 1)
	if wantsText(r) {
		s.cached(w, r, "text /", func(ctx context.Context, _ string) (*page, error) { return s.indexText(ctx) })
		return
	}
	s.cached(w, r, indexKey(n), func(ctx context.Context, base string) (*page, error) { return s.indexHTML(ctx, base, n) })
}

// indexText is the posts as `ssh HOST ls` prints them.
func (s *Server) indexText(ctx context.Context) (*page, error) {
	es, err := s.blog.List(ctx, anyone)
	if err != nil {
		return nil, err
	}
	posts, _ := split(es)
	var b strings.Builder
	for _, e := range posts {
		date := e.Date
		if date.IsZero() {
			date = e.Updated
		}
		fmt.Fprintf(&b, "%s\t%s\t%s\n", s.dateText(date), termtext.SanitizeLine(e.Slug), termtext.SanitizeLine(e.Title))
	}
	return newPage(http.StatusOK, "text/plain; charset=utf-8", []byte(b.String()), newest(es)).on(depLists), nil
}

// indexHTML is page n of the posts, newest first.
func (s *Server) indexHTML(ctx context.Context, base string, n int) (*page, error) {
	es, err := s.blog.List(ctx, anyone)
	if err != nil {
		return nil, err
	}
	posts, pages := split(es)
	if n > max(1, (len(posts)+perPage-1)/perPage) { // before multiplying: n may be any int
		return nil, &blog.Error{Kind: blog.ErrNotFound, Msg: "no such page"}
	}
	from := (n - 1) * perPage
	v := view{Blog: s.siteAt(base), Lang: s.cfg.Lang, Description: s.cfg.Description, Canonical: base + "/"}
	for _, e := range posts[from:min(from+perPage, len(posts))] {
		v.Posts = append(v.Posts, s.link(e))
	}
	if n == 1 {
		for _, e := range pages {
			v.Pages = append(v.Pages, s.link(e))
		}
	} else {
		v.Canonical += "?page=" + strconv.Itoa(n)
		v.Newer = "/?page=" + strconv.Itoa(n-1)
		if n == 2 {
			v.Newer = "/"
		}
	}
	if from+perPage < len(posts) {
		v.Older = "/?page=" + strconv.Itoa(n+1)
	}
	body, err := s.html("list", v)
	if err != nil {
		return nil, err
	}
	return newPage(http.StatusOK, "text/html; charset=utf-8", body, newest(es)).on(depLists), nil
}

// indexKey is the key of page n of the posts.
func indexKey(n int) string { return "html /?page=" + strconv.Itoa(n) }

func (s *Server) post(w http.ResponseWriter, r *http.Request) { s.entry(w, r, false) }
func (s *Server) page(w http.ResponseWriter, r *http.Request) { s.entry(w, r, true) }

// entry serves /posts/SLUG, /posts/SLUG.md and /pages/SLUG: the post, or a
// redirect to where it lives now (a renamed post, an alias, a page asked
// for as a post).
func (s *Server) entry(w http.ResponseWriter, r *http.Request, asPage bool) {
	name := r.PathValue("name")
	slug, markdown := strings.CutSuffix(name, ".md")
	e, err := s.blog.Entry(anyone, slug)
	if err != nil {
		// A file beside the posts (/posts/shared.png, where a post's
		// ../shared.png leads) is served as every file is.
		if media.Known(name) && s.serveFile(w, r) {
			return
		}
		s.fail(w, r, err)
		return
	}
	if e.Slug != slug || e.Page != asPage {
		to := postPath(e)
		if markdown {
			to += ".md"
		}
		http.Redirect(w, r, to, http.StatusMovedPermanently)
		return
	}
	switch {
	case markdown:
		s.cachedRev(w, r, "md "+slug, e.Rev, func(ctx context.Context, _ string) (*page, error) { return s.source(ctx, slug) })
	case wantsText(r):
		width := defaultWidth
		if n, err := strconv.Atoi(r.URL.Query().Get("width")); err == nil {
			width = min(max(n, render.MinWidth), render.MaxWidth)
		}
		s.cachedRev(w, r, "text "+slug+" "+strconv.Itoa(width), e.Rev, func(ctx context.Context, _ string) (*page, error) { return s.postText(ctx, slug, width) })
	default:
		s.cachedRev(w, r, postKey(slug), e.Rev, s.postHTMLOf(slug))
	}
	src := stats.Web
	if r.URL.RawQuery == fromFeed {
		src = stats.Feed
	}
	s.blog.CountRead(blog.Identity{Addr: clientAddr(r)}, blog.Visit{Slug: e.Slug, Source: src, UserAgent: r.UserAgent(), Referer: r.Referer()})
}

// fromFeed is the query the feeds' links to posts carry, so that a read
// that came from a feed reader is counted as one (source "feed"). It names
// the feed, never the reader; the page's canonical address has no query.
const fromFeed = "from=feed"

// source is a post's markdown as stored.
func (s *Server) source(ctx context.Context, slug string) (*page, error) {
	rev, err := s.blog.Get(ctx, anyone, slug)
	if err != nil {
		return nil, err
	}
	return newPage(http.StatusOK, "text/markdown; charset=utf-8", rev.Source, rev.Time).of(rev.Rev).on(depPost(slug)), nil
}

// postText is a post as `read SLUG --width N` prints it.
func (s *Server) postText(ctx context.Context, slug string, width int) (*page, error) {
	p, rev, err := s.blog.Post(ctx, anyone, slug)
	if err != nil {
		return nil, err
	}
	bl, err := s.blog.Byline(ctx, anyone, p, rev)
	if err != nil {
		return nil, err
	}
	key := render.Key{ID: blog.Ref{Slug: rev.Slug, Rev: rev.Rev}.String(), Width: width, Style: render.Plain}
	out, err := s.renderer.RenderContext(ctx, key, p.Body)
	if err != nil {
		return nil, err
	}
	return newPage(http.StatusOK, "text/plain; charset=utf-8", []byte(render.HeaderText(bl, s.blog.Location(), width)+out), rev.Time).of(rev.Rev).on(depPost(slug), depSeries(p.Series)), nil
}

// postKey is the key of a post's page.
func postKey(slug string) string { return "html " + slug }

// postHTMLOf builds the page of the post slug.
func (s *Server) postHTMLOf(slug string) buildFunc {
	return func(ctx context.Context, base string) (*page, error) { return s.postHTML(ctx, base, slug) }
}

// postHTML is a post's page.
func (s *Server) postHTML(ctx context.Context, base, slug string) (*page, error) {
	p, rev, err := s.blog.Post(ctx, anyone, slug)
	if err != nil {
		return nil, err
	}
	bl, err := s.blog.Byline(ctx, anyone, p, rev)
	if err != nil {
		return nil, err
	}
	body, files, err := s.bodyOf(rev.Slug, rev.Rev, p.Body)
	if err != nil {
		return nil, err
	}
	pv := &postView{Title: titleOf(store.Entry{Meta: p.Meta}), Author: termtext.SanitizeLine(bl.Author), Lang: p.Language(""), Series: bl.SeriesLine(),
		Date: p.Date, DateText: s.dateText(p.Date), Body: body,
		SSH: s.sshCommand(base) + " read " + p.Slug}
	if pv.Series != "" {
		pv.Series = strings.TrimPrefix(pv.Series, "series ")
	}
	for _, t := range p.Tags {
		pv.Tags = append(pv.Tags, tagLink{Name: t, URL: tagPath(t)})
	}
	if p.Image != "" {
		src, w, h, path := s.imagesOf(p.Slug)(p.Image)
		if path != "" {
			files = append(files, depFile(path))
		}
		if path != "" || absolute(base, src) != "" {
			pv.Hero = &heroImage{Src: src, Width: w, Height: h}
		}
	}
	lang := p.Language(s.cfg.Lang)
	e := store.Entry{Meta: p.Meta}
	v := view{Blog: s.siteAt(base), Lang: lang, Title: pv.Title, Description: p.Description,
		Canonical: base + postPath(e), Image: absolute(base, s.imageAddress(p.Slug, p.Image)), Post: pv}
	html, err := s.html("post", v)
	if err != nil {
		return nil, err
	}
	return newPage(http.StatusOK, "text/html; charset=utf-8", html, rev.Time).of(rev.Rev).on(depPost(slug), depSeries(p.Series)).on(files...), nil
}

// imageAddress is where the featured image ref of the post slug is: a file
// of the blog at its path, anything else as written.
func (s *Server) imageAddress(slug, ref string) string {
	if p, ok := blog.ResolveImage(slug, ref); ok {
		return (&url.URL{Path: p}).EscapedPath()
	}
	return ref
}

// absolute makes a link from a post absolute on base; only http(s) links
// are kept.
func absolute(base, link string) string {
	if link == "" {
		return ""
	}
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	b, err := url.Parse(base + "/")
	if err != nil {
		return ""
	}
	abs := b.ResolveReference(u)
	if abs.Scheme != "http" && abs.Scheme != "https" {
		return ""
	}
	return abs.String()
}

func (s *Server) tags(w http.ResponseWriter, r *http.Request) {
	s.cached(w, r, "html /tags/", s.tagsHTML)
}

// tagsHTML is the page of every tag.
func (s *Server) tagsHTML(ctx context.Context, base string) (*page, error) {
	{
		tags, err := s.blog.Tags(ctx, anyone)
		if err != nil {
			return nil, err
		}
		v := view{Blog: s.siteAt(base), Lang: s.cfg.Lang, Title: "Tags", Canonical: base + "/tags/"}
		for _, t := range tags {
			v.Tags = append(v.Tags, tagLink{Name: t.Name, URL: tagPath(t.Name), Posts: t.Posts})
		}
		body, err := s.html("tags", v)
		if err != nil {
			return nil, err
		}
		return newPage(http.StatusOK, "text/html; charset=utf-8", body, time.Time{}).on(depLists), nil
	}
}

func (s *Server) tag(w http.ResponseWriter, r *http.Request) {
	tag := r.PathValue("tag")
	s.cached(w, r, "html /tags/"+tag, s.tagHTMLOf(tag))
}

// tagHTMLOf builds the page of the posts tagged tag.
func (s *Server) tagHTMLOf(tag string) buildFunc {
	return func(ctx context.Context, base string) (*page, error) {
		es, err := s.blog.Tagged(ctx, anyone, tag)
		if err != nil {
			return nil, err
		}
		if len(es) == 0 {
			return nil, &blog.Error{Kind: blog.ErrNotFound, Msg: "no such tag"}
		}
		v := view{Blog: s.siteAt(base), Lang: s.cfg.Lang, Title: "#" + tag, Heading: "#" + tag, Canonical: base + tagPath(tag),
			TagFeed: &tagLink{Name: tag, URL: base + tagPath(tag) + "/feed.xml"}}
		for _, e := range es {
			v.Posts = append(v.Posts, s.link(e))
		}
		body, err := s.html("list", v)
		if err != nil {
			return nil, err
		}
		return newPage(http.StatusOK, "text/html; charset=utf-8", body, newest(es)).on(depTag(tag)), nil
	}
}

func (s *Server) robots(w http.ResponseWriter, r *http.Request) {
	s.cached(w, r, "robots", func(_ context.Context, base string) (*page, error) {
		body := "User-agent: *\nAllow: /\nSitemap: " + base + "/sitemap.xml\n"
		return newPage(http.StatusOK, "text/plain; charset=utf-8", []byte(body), time.Time{}), nil
	})
}

func (s *Server) style(w http.ResponseWriter, r *http.Request) {
	newPage(http.StatusOK, "text/css; charset=utf-8", s.css, time.Time{}).write(w, r, &s.bufs)
}

// maxQuery bounds a search query, in bytes.
const maxQuery = 200

// search is /search?q=WORDS: the posts that match, best first, each with
// the line where it matched. Results are not kept: queries are many.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > maxQuery {
		http.Error(w, "the query is too long", http.StatusBadRequest)
		return
	}
	v := view{Blog: s.site(r), Lang: s.cfg.Lang, Title: "search", Heading: "“" + q + "”", Query: q, Canonical: s.base(r) + "/search"}
	if q != "" {
		hits, err := s.blog.Search(r.Context(), anyone, q, perPage, 120)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, h := range hits {
			l := s.link(h.Entry)
			l.Description = h.Snippet
			v.Posts = append(v.Posts, l)
		}
	}
	body, err := s.html("list", v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(body)
}
