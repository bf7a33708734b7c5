package webload

// The blog runs in a process of its own, as nginx does: the bench starts
// its own executable again with ChildEnv set, hands it the job on stdin
// and reads on stdout when the blog is ready and what each publish did.
// Its RSS is then the blog's alone, without the load generator's.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/sshblog/sshblog/cmd/bench/internal/proc"
	"github.com/sshblog/sshblog/cmd/bench/internal/servers"
	"github.com/sshblog/sshblog/internal/blog"
)

// ChildEnv, set in the environment, makes the bench the web phase's blog:
// it reads a job on stdin and serves until stdin closes (see RunChild).
const ChildEnv = "SSHBLOG_BENCH_WEB_BLOG"

// job is what the blog's process is asked to serve.
type job struct {
	Dir      string // the temporary folder the blog lives in
	Archive  string // the file of the posts to import: a tar, or a gzipped tar
	BaseURL  string
	WebCache int64 // bytes; 0: the setting's default
	// CPUProfile, if set, is where the blog writes a CPU profile of
	// everything after it is ready.
	CPUProfile string
	// MemProfile, if set, is where the blog writes a heap profile once
	// the imported posts' pages are built.
	MemProfile string
}

// builtMsg is the web's log line at the end of a pass that built pages.
const builtMsg = `msg="web: pages built"`

// logLines passes the blog's log on to w and signals each pass of the
// web that built pages.
type logLines struct {
	mu    sync.Mutex
	w     io.Writer
	part  []byte
	built chan struct{}
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.part = append(l.part, p...)
	for {
		i := bytes.IndexByte(l.part, '\n')
		if i < 0 {
			break
		}
		line := string(l.part[:i+1])
		l.part = l.part[i+1:]
		if strings.Contains(line, `msg="web: `) || strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") {
			io.WriteString(l.w, "bench: blog: "+line)
		}
		if strings.Contains(line, builtMsg) {
			select {
			case l.built <- struct{}{}:
			default:
			}
		}
	}
	return len(p), nil
}

// RunChild serves the blog of the job read from in: it starts the blog
// with its web on a loopback port, waits for the pages of the built-in
// posts, imports the archive as an author, waits for the web to build the
// imported posts' pages, and writes "ready ADDR" to out. Then each line
// "publish" on in edits the newest post and answers "published SLUG"; at
// the end of in it stops the blog.
func RunChild(in io.Reader, out io.Writer, progress io.Writer) (err error) {
	lines := bufio.NewScanner(in)
	if !lines.Scan() {
		return errors.New("no job")
	}
	var j job
	if err := json.Unmarshal(lines.Bytes(), &j); err != nil {
		return fmt.Errorf("reading the job: %w", err)
	}
	logs := &logLines{w: progress, built: make(chan struct{}, 1)}
	b, err := servers.StartBlog(servers.Setup{Dir: j.Dir, Store: servers.StoreBolt, Authors: 1, LogTo: logs, BaseURL: j.BaseURL, WebCache: j.WebCache})
	if err != nil {
		return fmt.Errorf("starting the blog: %w", err)
	}
	defer func() { err = errors.Join(err, b.Stop()) }()
	if err := waitBuilt(logs.built); err != nil {
		return fmt.Errorf("the built-in posts: %w", err)
	}
	ctx := context.Background()
	id := b.Identity(0)
	start := time.Now()
	f, err := os.Open(j.Archive)
	if err != nil {
		return err
	}
	res, err := b.Service().Import(ctx, id, f, blog.ImportOptions{})
	f.Close()
	if err != nil {
		return fmt.Errorf("importing: %w", err)
	}
	fmt.Fprintf(progress, "bench: blog: imported %d posts (%d files skipped) in %v\n", res.Imported, len(res.Skipped), time.Since(start).Round(time.Millisecond))
	if err := waitBuilt(logs.built); err != nil {
		return fmt.Errorf("the imported posts: %w", err)
	}
	if j.MemProfile != "" {
		runtime.GC()
		if err := proc.WriteHeapProfile(j.MemProfile); err != nil {
			return err
		}
	}
	stopProfile, err := proc.StartCPUProfile(j.CPUProfile)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, stopProfile()) }()
	fmt.Fprintf(out, "ready %s %s\n", b.WebAddr, time.Since(start).Round(time.Millisecond))
	for n := 0; lines.Scan(); n++ {
		if lines.Text() != "publish" {
			return fmt.Errorf("unknown command %q", lines.Text())
		}
		slug, err := publishEdit(ctx, b.Service(), id, n)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "published %s\n", slug)
	}
	return lines.Err()
}

// waitBuilt waits for the web's next pass that built pages.
func waitBuilt(built <-chan struct{}) error {
	select {
	case <-built:
		return nil
	case <-time.After(30 * time.Minute):
		return errors.New("the web built no pages in 30 minutes")
	}
}

// editMark starts the line each publish adds to a post, which ends with
// the publish's number in brackets.
const editMark = "벤치마크가 고친 줄"

// publishEdit adds a line to the newest post, as its author would, the
// n-th time.
func publishEdit(ctx context.Context, b *blog.Service, id blog.Identity, n int) (string, error) {
	es, err := b.List(ctx, id)
	if err != nil || len(es) == 0 {
		return "", fmt.Errorf("listing the posts to edit one: %v", err)
	}
	slug := es[0].Slug
	rev, err := b.Get(ctx, id, slug)
	if err != nil {
		return "", fmt.Errorf("reading %s to edit it: %w", slug, err)
	}
	src := append(rev.Source, fmt.Sprintf("\n\n%s (%d).\n", editMark, n)...)
	if _, err := b.Publish(ctx, id, src, blog.PublishOptions{Slug: slug}); err != nil {
		return "", fmt.Errorf("publishing %s: %w", slug, err)
	}
	return slug, nil
}

// child is the blog's process, seen from the bench.
type child struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Scanner
	Addr  string
	Ready string // how long the import's pages took to build
}

// startChild starts the blog's process with j and waits until it is
// ready; progress gets its log.
func startChild(j job, progress io.Writer) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding the bench's executable: %w", err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), ChildEnv+"=1")
	cmd.Stderr = progress
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the blog's process: %w", err)
	}
	c := &child{cmd: cmd, in: in, out: bufio.NewScanner(outPipe)}
	msg, err := json.Marshal(j)
	if err == nil {
		_, err = in.Write(append(msg, '\n'))
	}
	if err != nil {
		c.stop()
		return nil, fmt.Errorf("sending the blog its job: %w", err)
	}
	line, err := c.read()
	if err != nil {
		c.stop()
		return nil, err
	}
	f := strings.Fields(line)
	if len(f) != 3 || f[0] != "ready" {
		c.stop()
		return nil, fmt.Errorf("the blog said %q", line)
	}
	c.Addr, c.Ready = f[1], f[2]
	return c, nil
}

// read returns the next line the blog's process writes.
func (c *child) read() (string, error) {
	if !c.out.Scan() {
		err := c.cmd.Wait()
		return "", fmt.Errorf("the blog's process ended: %v", err)
	}
	return c.out.Text(), nil
}

// publish has the blog edit its newest post and returns its slug.
func (c *child) publish() (string, error) {
	if _, err := io.WriteString(c.in, "publish\n"); err != nil {
		return "", fmt.Errorf("asking for a publish: %w", err)
	}
	line, err := c.read()
	if err != nil {
		return "", err
	}
	slug, ok := strings.CutPrefix(line, "published ")
	if !ok {
		return "", fmt.Errorf("the blog said %q", line)
	}
	return slug, nil
}

// pid is the blog's process id.
func (c *child) pid() int { return c.cmd.Process.Pid }

// stop ends the blog's process: it stops at the end of its stdin.
func (c *child) stop() error {
	c.in.Close()
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
		return errors.New("the blog's process did not stop; killed")
	}
}
