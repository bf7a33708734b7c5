// Package gitclone is the bench's git phase: a blog of many posts and
// revisions cloned with the real git over the real ssh (both child
// processes, so that the memory measured is the server's alone), then
// fetched again after one publish.
package gitclone

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/sshblog/sshblog/cmd/bench/internal/proc"
	"github.com/sshblog/sshblog/cmd/bench/internal/servers"
	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
)

// Config is what the phase builds and measures.
type Config struct {
	Posts     int // posts in all
	Revisions int // revisions in all, Posts of them the posts' first
	Setup     servers.Setup
	Log       io.Writer // progress
}

// Result is what the phase measured.
type Result struct {
	Posts, Revisions, Commits int
	FirstClone, SecondClone   time.Duration // the first builds the view
	ReaderClone               time.Duration
	Fetch                     time.Duration // after one publish
	FetchOutput               string
	RSSBefore, RSSAfter, Peak uint64 // the server's (this process's) memory, bytes
	PackDir                   int64  // the clone's .git/objects, bytes
}

// Run builds the blog, clones it and fetches after a publish.
func Run(ctx context.Context, c Config) (Result, error) {
	var r Result
	s := c.Setup
	s.Generated = max(c.Posts-3, 0) // the built-in posts make up the rest
	b, err := servers.StartBlog(s)
	if err != nil {
		return r, fmt.Errorf("starting the blog: %w", err)
	}
	defer b.Stop()
	if err := addRevisions(ctx, b.DB, c.Revisions); err != nil {
		return r, err
	}
	r.Posts = b.DB.Len()
	for _, e := range b.DB.AllEntries() {
		r.Revisions += int(e.Rev)
	}
	keyFile, err := writeKey(s.Dir, b.Authors[0].Key)
	if err != nil {
		return r, err
	}
	runtime.GC()
	if r.RSSBefore, err = proc.ReadRSS(); err != nil {
		return r, err
	}
	_ = proc.ResetPeakRSS()
	port := b.Addr[strings.LastIndex(b.Addr, ":")+1:]
	url := "ssh://" + servers.AuthorName + "@127.0.0.1:" + port + "/blog.git"
	gitCmd := func(dir, key string, args ...string) (string, time.Duration, error) {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = dir
		ssh := "ssh -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
		if key != "" {
			ssh += " -o IdentitiesOnly=yes -i " + key
		} else {
			ssh += " -o PubkeyAuthentication=no -o PreferredAuthentications=keyboard-interactive"
		}
		cmd.Env = append(os.Environ(), "GIT_SSH_COMMAND="+ssh, "GIT_CONFIG_NOSYSTEM=1", "HOME="+s.Dir)
		start := time.Now()
		out, err := cmd.CombinedOutput()
		if err != nil {
			return string(out), 0, fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, out)
		}
		return string(out), time.Since(start), nil
	}
	fmt.Fprintf(c.Log, "git: %d posts, %d revisions; cloning as an author\n", r.Posts, r.Revisions)
	if _, r.FirstClone, err = gitCmd(s.Dir, keyFile, "clone", "-q", url, "clone1"); err != nil {
		return r, err
	}
	if _, r.SecondClone, err = gitCmd(s.Dir, keyFile, "clone", "-q", url, "clone2"); err != nil {
		return r, err
	}
	if _, r.ReaderClone, err = gitCmd(s.Dir, "", "clone", "-q", url, "clone3"); err != nil {
		return r, err
	}
	if out, _, err := gitCmd(filepath.Join(s.Dir, "clone1"), "", "rev-list", "--count", "HEAD"); err == nil {
		fmt.Sscan(out, &r.Commits)
	}
	r.PackDir = dirSize(filepath.Join(s.Dir, "clone1", ".git", "objects"))
	if _, err := b.Service().Publish(ctx, b.Identity(0), []byte("---\ntitle: One more\n---\none more post\n"), blog.PublishOptions{Slug: "one-more"}); err != nil {
		return r, err
	}
	if r.FetchOutput, r.Fetch, err = gitCmd(filepath.Join(s.Dir, "clone1"), keyFile, "fetch", "-v"); err != nil {
		return r, err
	}
	runtime.GC()
	r.RSSAfter, _ = proc.ReadRSS()
	r.Peak, _ = proc.ReadPeakRSS()
	return r, nil
}

// addRevisions edits random posts until the blog has n revisions, each
// edit a revision of its own.
func addRevisions(ctx context.Context, db store.Store, n int) error {
	entries := db.AllEntries()
	have := 0
	for _, e := range entries {
		have += int(e.Rev)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	var changes []store.Change
	for i := have; i < n; i++ {
		e := entries[rnd.IntN(len(entries))]
		cur, err := db.Revision(ctx, e.Slug, e.Rev)
		if err != nil {
			return err
		}
		src := append(append([]byte(nil), cur.Source...), fmt.Sprintf("\nEdit %d.\n", i)...)
		p, err := post.Parse(src, post.Options{Slug: e.Slug, Location: time.UTC})
		if err != nil {
			return fmt.Errorf("editing %s: %w", e.Slug, err)
		}
		changes = append(changes, store.Change{Post: p, Author: servers.AuthorName})
		if len(changes) == 500 || i == n-1 {
			if _, err := db.PutMany(ctx, changes); err != nil {
				return err
			}
			changes = changes[:0]
			entries = db.AllEntries()
		}
	}
	return nil
}

// writeKey writes the author's key for ssh.
func writeKey(dir string, key any) (string, error) {
	block, err := gossh.MarshalPrivateKey(key, "")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "author_key")
	return path, os.WriteFile(path, pem.EncodeToMemory(block), 0o600)
}

// dirSize adds up the sizes of the files under dir.
func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

// Print writes the result.
func Print(w io.Writer, r Result) {
	mib := func(b uint64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
	fmt.Fprintf(w, "git over ssh: %d posts, %d revisions, %d commits\n", r.Posts, r.Revisions, r.Commits)
	fmt.Fprintf(w, "  first clone (author, builds the view)  %v\n", r.FirstClone.Round(time.Millisecond))
	fmt.Fprintf(w, "  second clone (author, view cached)     %v\n", r.SecondClone.Round(time.Millisecond))
	fmt.Fprintf(w, "  reader's clone (no key)                %v\n", r.ReaderClone.Round(time.Millisecond))
	fmt.Fprintf(w, "  clone's objects on disk                %.1f MiB\n", float64(r.PackDir)/(1<<20))
	fmt.Fprintf(w, "  fetch after one publish                %v\n", r.Fetch.Round(time.Millisecond))
	fmt.Fprintf(w, "  server RSS before / after / peak       %s / %s / %s\n", mib(r.RSSBefore), mib(r.RSSAfter), mib(r.Peak))
	fmt.Fprintf(w, "  fetch said: %s\n", strings.ReplaceAll(strings.TrimSpace(r.FetchOutput), "\n", "\n              "))
}
