// Package webload runs the bench's web phase: the blog's web front end
// against nginx and Go's http.FileServer serving the same pages as static
// files. The blog runs in a process of its own (see RunChild) with a blog
// imported from a generated corpus of real shape (internal/corpus) or a
// real Astro, Hugo or Jekyll folder or tar. Every page is fetched once
// (and written as a file for the static servers); then 50 keep-alive
// connections ask for random posts, with and without gzip, from each
// server in turn; then for the blog again right after a publish. It
// reports requests a second, p50 and p99, the ratios to nginx, and the
// blog's RSS after the crawl.
package webload

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sshblog/sshblog/cmd/bench/internal/proc"
	"github.com/sshblog/sshblog/internal/corpus"
)

// Config is what the web phase runs.
type Config struct {
	// Posts is how many posts to generate (a number), or a folder or
	// tar (.tar or .tar.gz) of a real blog to import instead.
	Posts    string
	Seed     uint64
	Conns    int           // keep-alive connections of the load
	Duration time.Duration // each server's load with each encoding, after a second's warm-up, in all
	// Rounds splits each load in this many runs, the servers taking
	// turns, so that other load on the machine falls on all of them.
	Rounds   int
	WebCache int64  // the blog's web-cache, bytes; 0: the default
	Dir      string // a temporary folder
	// CPUProfile, if set, is where the blog's process writes a CPU
	// profile of the runs.
	CPUProfile string
	// MemProfile, if set, is where the blog's process writes a heap
	// profile once the imported posts' pages are built.
	MemProfile string
	Log        io.Writer // progress
}

// Run is one server's run.
type Run struct {
	Server, Encoding string
	Figures
}

// Result is what the web phase measured.
type Result struct {
	Rounds       int
	Source       string // what was imported
	Posts, Pages int    // posts loaded at random, pages crawled
	PostBytes    int64  // the posts' pages, as the blog sends them without gzip, on average
	Ready        string // how long the blog took to build the imported posts' pages
	Crawl        time.Duration
	RSS          uint64 // the blog's, after the crawl
	RSSAnon      uint64 // of which anonymous memory: the heap, stacks
	RSSFile      uint64 // of which file pages: the binary, the bbolt file
	RSSAfter     uint64 // the blog's, after every run
	AnonAfter    uint64
	FileAfter    uint64
	Runs         []Run
	Nginx        bool          // nginx ran
	Published    []string      // the posts edited for the runs after a publish
	Steady       Figures       // the blog, gzip, in the runs beside those after a publish
	AfterPublish Figures       // the blog, gzip, from each publish on (Duration/Rounds each)
	FirstNew     time.Duration // from a publish to the first request that saw the edit, at most
}

// RunPhase runs the web phase.
func RunPhase(ctx context.Context, c Config) (*Result, error) {
	r := &Result{Rounds: c.Rounds}
	archive, source, err := postsArchive(c.Posts, c.Seed)
	if err != nil {
		return nil, err
	}
	r.Source = source
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return nil, err
	}
	archiveFile := filepath.Join(c.Dir, "posts.tar")
	if err := os.WriteFile(archiveFile, archive, 0o644); err != nil {
		return nil, fmt.Errorf("writing the posts to import: %w", err)
	}
	const base = "http://blog.bench"
	fmt.Fprintf(c.Log, "bench: web: starting the blog and importing %s\n", source)
	blog, err := startChild(job{Dir: filepath.Join(c.Dir, "blog"), Archive: archiveFile, BaseURL: base, WebCache: c.WebCache, CPUProfile: c.CPUProfile, MemProfile: c.MemProfile}, c.Log)
	if err != nil {
		return nil, err
	}
	defer blog.stop()
	r.Ready = blog.Ready
	root := filepath.Join(c.Dir, "static")
	start := time.Now()
	posts, pages, err := crawl(ctx, blog.Addr, base, root)
	if err != nil {
		return nil, fmt.Errorf("crawling the blog: %w", err)
	}
	r.Crawl, r.Posts, r.Pages = time.Since(start), len(posts), pages
	if r.RSS, r.RSSAnon, r.RSSFile, err = proc.ReadRSSOf(blog.pid()); err != nil {
		return nil, err
	}
	for _, p := range posts {
		if fi, err := os.Stat(filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(p, "/")))); err == nil {
			r.PostBytes += fi.Size()
		}
	}
	if len(posts) == 0 {
		return nil, fmt.Errorf("the blog lists no posts")
	}
	r.PostBytes /= int64(len(posts))
	for i, p := range posts { // as nginx and the file server name them
		if unescaped, err := urlPathUnescape(p); err == nil {
			posts[i] = unescaped
		}
	}
	fmt.Fprintf(c.Log, "bench: web: crawled %d pages in %v; the blog's RSS %d MiB\n", pages, r.Crawl.Round(time.Millisecond), r.RSS>>20)

	servers := []struct{ name, addr string }{{"sshblog", blog.Addr}}
	if bin := findNginx(); bin != "" {
		addr, stop, err := startNginx(bin, filepath.Join(c.Dir, "nginx"), root)
		if err != nil {
			return nil, err
		}
		defer stop()
		servers = append(servers, struct{ name, addr string }{"nginx", addr})
		r.Nginx = true
	} else {
		fmt.Fprintln(c.Log, "bench: web: nginx is not installed (apt-get install nginx-light); it is skipped")
	}
	fsAddr, stopFS, err := startFileServer(root)
	if err != nil {
		return nil, err
	}
	defer stopFS()
	servers = append(servers, struct{ name, addr string }{"http.FileServer", fsAddr})

	escaped := make([]string, len(posts))
	for i, p := range posts {
		escaped[i] = pathEscape(p)
	}
	runs := map[string]*Figures{}
	var order []string
	each := c.Duration / time.Duration(c.Rounds)
	for round := range c.Rounds {
		for _, enc := range []string{"identity", "gzip"} {
			for i := range servers {
				s := servers[(i+round)%len(servers)] // each goes first in turn
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				key := s.name + " " + enc
				if runs[key] == nil {
					runs[key] = &Figures{}
					order = append(order, key)
				}
				f := load(ctx, "http://"+s.addr, escaped, c.Conns, time.Second, each, enc, c.Seed+uint64(round))
				fmt.Fprintf(c.Log, "bench: web: round %d, %s, %s: %.0f req/s, p99 %v, %d errors\n", round+1, s.name, enc, f.Rate, f.P99.Round(time.Microsecond), f.Errors)
				runs[key].add(f)
			}
		}
		// The blog again, then right after a publish, measured from it
		// on: the edited post must show at once, the rest stay kept
		// while the web builds again what the edit shows.
		steady := load(ctx, "http://"+blog.Addr, escaped, c.Conns, time.Second, each, "gzip", c.Seed+100+uint64(round))
		r.Steady.add(steady)
		after, slug, firstNew, err := afterPublish(ctx, blog, escaped, c, each, round)
		if err != nil {
			return nil, err
		}
		r.AfterPublish.add(after)
		r.Published = append(r.Published, slug)
		r.FirstNew = max(r.FirstNew, firstNew)
		fmt.Fprintf(c.Log, "bench: web: round %d, sshblog, gzip: steady %.0f req/s, after publishing %s %.0f req/s (p99 %v)\n", round+1, steady.Rate, slug, after.Rate, after.P99.Round(time.Microsecond))
	}
	for _, key := range order {
		name, enc, _ := strings.Cut(key, " ")
		r.Runs = append(r.Runs, Run{Server: name, Encoding: enc, Figures: *runs[key]})
	}
	r.RSSAfter, r.AnonAfter, r.FileAfter, _ = proc.ReadRSSOf(blog.pid())
	return r, nil
}

// afterPublish loads the blog for d from the moment it is asked to edit a
// post (its connections opened and warm a second before, as in the
// steady runs), and returns what the load measured, the post, and how
// long after the publish a request first saw the edit.
func afterPublish(ctx context.Context, blog *child, paths []string, c Config, d time.Duration, round int) (Figures, string, time.Duration, error) {
	loaded := make(chan Figures, 1)
	go func() {
		loaded <- load(ctx, "http://"+blog.Addr, paths, c.Conns, time.Second, d, "gzip", c.Seed+200+uint64(round))
	}()
	time.Sleep(time.Second)
	slug, err := blog.publish()
	if err != nil {
		<-loaded
		return Figures{}, "", 0, err
	}
	published := time.Now()
	var firstNew time.Duration
	for {
		body, err := getBody(ctx, "http://"+blog.Addr+"/posts/"+slug)
		if err != nil {
			<-loaded
			return Figures{}, "", 0, err
		}
		if bytes.Contains(body, fmt.Appendf(nil, "%s (%d)", editMark, round)) {
			firstNew = time.Since(published)
			break
		}
		if time.Since(published) > 10*time.Second {
			<-loaded
			return Figures{}, "", 0, fmt.Errorf("the edit of %s did not show in 10s", slug)
		}
	}
	return <-loaded, slug, firstNew, nil
}

// postsArchive is the archive to import: spec posts generated, or the
// folder or tar spec names.
func postsArchive(spec string, seed uint64) ([]byte, string, error) {
	if n, err := strconv.Atoi(spec); err == nil {
		if n <= 0 || n > 100000 {
			return nil, "", fmt.Errorf("-web-posts %d is out of range", n)
		}
		var buf bytes.Buffer
		if err := corpus.WriteTar(&buf, corpus.Generate(n, seed)); err != nil {
			return nil, "", err
		}
		return buf.Bytes(), fmt.Sprintf("%d generated posts of real shape", n), nil
	}
	fi, err := os.Stat(spec)
	if err != nil {
		return nil, "", fmt.Errorf("-web-posts: %w", err)
	}
	if !fi.IsDir() {
		b, err := os.ReadFile(spec)
		if err != nil {
			return nil, "", fmt.Errorf("-web-posts: %w", err)
		}
		return b, spec, nil
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err = filepath.WalkDir(spec, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(spec, path)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: filepath.ToSlash(rel), Mode: 0o644, Size: int64(len(data)), ModTime: fi.ModTime()}); err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if err != nil {
		return nil, "", fmt.Errorf("packing %s: %w", spec, err)
	}
	return buf.Bytes(), spec, nil
}

// Print writes the table of r.
func Print(w io.Writer, r *Result) {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "web: %d rounds; %s: %d posts loaded at random (their pages %.1f KB on average without gzip), %d pages crawled in %v\n",
		r.Rounds, r.Source, r.Posts, float64(r.PostBytes)/1000, r.Pages, r.Crawl.Round(time.Millisecond))
	fmt.Fprintf(w, "web: the blog built the imported pages in %s; its RSS after the crawl %d MiB (anonymous %d, files %d), after every run %d MiB (%d, %d)\n", r.Ready, r.RSS>>20, r.RSSAnon>>20, r.RSSFile>>20, r.RSSAfter>>20, r.AnonAfter>>20, r.FileAfter>>20)
	fmt.Fprintln(tw, "server\tencoding\treq/s\tp50\tp99\terrors\tx nginx req/s\tx nginx p99\t")
	nginx := map[string]Figures{}
	for _, run := range r.Runs {
		if run.Server == "nginx" {
			nginx[run.Encoding] = run.Figures
		}
	}
	for _, run := range r.Runs {
		ratio, p99 := "", ""
		if n, ok := nginx[run.Encoding]; ok && n.Rate > 0 && n.P99 > 0 {
			ratio = fmt.Sprintf("%.2f", run.Rate/n.Rate)
			p99 = fmt.Sprintf("%.2f", float64(run.P99)/float64(n.P99))
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%v\t%v\t%d\t%s\t%s\t\n", run.Server, run.Encoding, run.Rate, run.P50.Round(time.Microsecond), run.P99.Round(time.Microsecond), run.Errors, ratio, p99)
	}
	tw.Flush()
	if r.Steady.Rate > 0 {
		fmt.Fprintf(w, "web: the blog, gzip, beside the publishes: %.0f req/s, p99 %v; from each of %d publishes on: %.0f req/s (%.2fx), p99 %v, %d errors; each edit showed within %v\n",
			r.Steady.Rate, r.Steady.P99.Round(time.Microsecond), len(r.Published), r.AfterPublish.Rate, r.AfterPublish.Rate/r.Steady.Rate, r.AfterPublish.P99.Round(time.Microsecond), r.AfterPublish.Errors, r.FirstNew.Round(time.Microsecond))
	}
}
