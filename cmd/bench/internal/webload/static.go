package webload

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// crawl fetches every page the blog's sitemap lists (with the index and
// the feed) as a browser would, without gzip, from the blog at addr,
// whose pages name it base, and writes each to dir as a file for the
// static servers: / as index.html, /posts/SLUG as posts/SLUG. It returns
// the paths of the posts.
func crawl(ctx context.Context, addr, base, dir string) (posts []string, pages int, err error) {
	get := func(path string) ([]byte, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
		req.Header.Set("Accept", "text/html")
		req.Header.Set("User-Agent", "Mozilla/5.0 (bench)")
		req.Header.Set("Accept-Encoding", "identity")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("%s: status %d", path, resp.StatusCode)
		}
		return body, err
	}
	sm, err := get("/sitemap.xml")
	if err != nil {
		return nil, 0, fmt.Errorf("reading the sitemap: %w", err)
	}
	var set struct {
		URLs []struct {
			Loc string `xml:"loc"`
		} `xml:"url"`
	}
	if err := xml.Unmarshal(sm, &set); err != nil {
		return nil, 0, fmt.Errorf("reading the sitemap: %w", err)
	}
	paths := []string{"/feed.xml", "/sitemap.xml", "/tags/"}
	for _, u := range set.URLs {
		p, ok := strings.CutPrefix(u.Loc, base)
		if !ok {
			return nil, 0, fmt.Errorf("the sitemap lists %s, not under %s", u.Loc, base)
		}
		paths = append(paths, p)
	}
	for _, p := range paths {
		body, err := get(p)
		if err != nil {
			return nil, 0, err
		}
		name, err := url.PathUnescape(p)
		if err != nil {
			return nil, 0, err
		}
		file := filepath.Join(dir, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			file = filepath.Join(file, "index.html")
		}
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			return nil, 0, err
		}
		if err := os.WriteFile(file, body, 0o644); err != nil {
			return nil, 0, err
		}
		if strings.HasPrefix(p, "/posts/") {
			posts = append(posts, p)
		}
	}
	return posts, len(paths), nil
}

// nginxConfig is nginx's configuration: Debian's defaults (two workers
// here, gzip on for text/html at level 1, sendfile, an access log), the
// pages of root on a loopback port.
const nginxConfig = `%s
worker_processes 2;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log;
events { worker_connections 1024; }
http {
	sendfile on;
	tcp_nopush on;
	types_hash_max_size 2048;
	default_type text/html;
	types { application/atom+xml xml; }
	access_log %[2]s/access.log;
	gzip on;
	keepalive_requests 1000000;
	server {
		listen %[3]s;
		root %[4]s;
		location / { try_files $uri $uri/index.html =404; }
	}
}
`

// findNginx returns nginx's path, or "" if it is not installed.
func findNginx() string {
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx"
	}
	return ""
}

// startNginx serves root with nginx on a loopback port, its files in dir,
// and returns its address and how to stop it.
func startNginx(bin, dir, root string) (string, func(), error) {
	addr, err := freePort()
	if err != nil {
		return "", nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	user := ""
	if os.Geteuid() == 0 { // its workers would be nobody, who cannot read root
		user = "user root;"
	}
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, nginxConfig, user, dir, addr, root), 0o644); err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, "-c", conf, "-p", dir, "-g", "daemon off;")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("starting nginx: %w", err)
	}
	stop := func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return addr, stop, nil
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, errors.New("nginx did not listen in 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// freePort returns a loopback address no one listens on now.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// startFileServer serves root with Go's http.FileServer on a loopback
// port, in this process, and returns its address and how to stop it.
func startFileServer(root string) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(root))}
	go srv.Serve(l)
	return l.Addr().String(), func() { srv.Close() }, nil
}

// getBody returns the body at u, as a browser asks for it, without gzip.
func getBody(ctx context.Context, u string) ([]byte, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// urlPathUnescape is a path as a file's name.
func urlPathUnescape(p string) (string, error) { return url.PathUnescape(p) }

// pathEscape is a path as a request names it.
func pathEscape(p string) string { return (&url.URL{Path: p}).EscapedPath() }
