// Package authors maps public keys to authors from a folder of key files:
// keys/NAME.pub, in authorized_keys format, makes NAME an author.
//
// A key line's options are honoured as authorized_keys(5) defines them
// where they make sense for an author (from=, expiry-time=, no-pty,
// restrict, pty, cert-authority); a line with any other option grants
// nothing. A cert-authority line trusts the certificates its CA signed for
// the principal NAME.
//
// The folder is read again on each lookup: the content of every NAME.pub,
// followed through symbolic links, is hashed and the keys are parsed again
// when a hash changed. So emptying, rewriting or removing a file, or
// swapping the folder a link points into (as Kubernetes does), revokes its
// keys for the very next lookup.
package authors

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// maxKeyFile bounds how much of one key file is read.
const maxKeyFile = 64 << 10

// namePattern is what an author's name (the file name without .pub) may be.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Grant is what a key may do.
type Grant struct {
	// Name is the author's name; empty for a reader.
	Name string
	// NoPTY is set when the key may act as an author only without a
	// terminal (no-pty, restrict, or a certificate without permit-pty).
	NoPTY bool
}

// entry is one key line that names an author.
type entry struct {
	name    string
	where   string // FILE:LINE, for the log
	opts    options
	refused string // why the line grants nothing; empty when it grants
}

// Folder is a keys folder. It is safe for concurrent use.
type Folder struct {
	dir string
	log *slog.Logger
	now func() time.Time
	loc *time.Location // expiry-time's zone when it names none

	// reading is held while the folder is read; started counts the reads
	// begun, so a lookup that waited for another one's read uses it.
	reading sync.Mutex
	started uint64

	mu    sync.Mutex
	state [sha256.Size]byte   // hash of the names and contents last read
	read  bool                // state holds a read
	keys  map[string]*entry   // marshalled public key -> its line
	cas   map[string][]*entry // marshalled CA key -> its cert-authority lines
}

// Open reads the keys folder dir, creating it if it does not exist.
func Open(dir string, log *slog.Logger) (*Folder, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("authors: creating keys folder: %w", err)
	}
	f := &Folder{dir: dir, log: log, now: time.Now, loc: time.Local}
	if err := f.refresh(); err != nil {
		return nil, err
	}
	return f, nil
}

// Author returns the name of the author whose file lists key, used from
// addr now, or false for a reader. A key its line does not allow (outside
// from=, past expiry-time=, a line with an option sshblog does not honour)
// is a reader, and Author logs why. It leaves out no-pty: see Lookup.
func (f *Folder) Author(key gossh.PublicKey, addr netip.Addr) (string, bool) {
	g := f.Lookup(key, addr)
	return g.Name, g.Name != ""
}

// Lookup returns what key, used from addr, may do now. When the key matches
// a line that does not allow it, Lookup logs why and returns a reader's
// Grant; the server looks up once per session.
func (f *Folder) Lookup(key gossh.PublicKey, addr netip.Addr) Grant {
	g, why := f.check(key, addr)
	if why != "" {
		f.log.Warn("key counts as a reader's", "key", gossh.FingerprintSHA256(key), "addr", addr, "why", why)
	}
	return g
}

// Recheck is Lookup for a key in its wire form, without logging: the blog
// asks it before each change, so that a key removed from the folder stops
// an open session's writes too.
func (f *Folder) Recheck(wire []byte, addr netip.Addr) Grant {
	key, err := gossh.ParsePublicKey(wire)
	if err != nil {
		return Grant{}
	}
	g, _ := f.check(key, addr)
	return g
}

// check reads the folder again if it changed and works out key's grant,
// with why it is a reader's when a line matched but does not allow it.
func (f *Folder) check(key gossh.PublicKey, addr netip.Addr) (Grant, string) {
	if err := f.refresh(); err != nil {
		f.log.Error("reading keys folder", "dir", f.dir, "err", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.check0(key, addr)
}

// check0 is check on the folder as last read; f.mu is held.
func (f *Folder) check0(key gossh.PublicKey, addr netip.Addr) (Grant, string) {
	if cert, ok := key.(*gossh.Certificate); ok {
		return f.checkCert(cert, addr)
	}
	e, ok := f.keys[string(key.Marshal())]
	if !ok {
		return Grant{}, ""
	}
	return f.allow(e, addr)
}

// allow applies a line's options to a use from addr now.
func (f *Folder) allow(e *entry, addr netip.Addr) (Grant, string) {
	switch {
	case e.refused != "":
		return Grant{}, e.where + ": " + e.refused
	case e.opts.from != nil && !matchFrom(e.opts.from, addr):
		return Grant{}, fmt.Sprintf("%s: %s is outside from=%q", e.where, addr, strings.Join(e.opts.from, ","))
	case !e.opts.expiry.IsZero() && f.now().After(e.opts.expiry):
		return Grant{}, fmt.Sprintf("%s: expired at %s (expiry-time)", e.where, e.opts.expiry.Format(time.RFC3339))
	}
	return Grant{Name: e.name, NoPTY: e.opts.noPTY}, ""
}

// checkCert works out a certificate's grant: a cert-authority line for its
// CA in NAME.pub, and the certificate valid now, for the principal NAME,
// from addr. It is called with f.mu held.
func (f *Folder) checkCert(cert *gossh.Certificate, addr netip.Addr) (Grant, string) {
	lines := f.cas[string(cert.SignatureKey.Marshal())]
	if len(lines) == 0 {
		return Grant{}, ""
	}
	if cert.CertType != gossh.UserCert {
		return Grant{}, "a host certificate is not a user's"
	}
	checker := gossh.CertChecker{Clock: f.now, SupportedCriticalOptions: []string{"source-address"}}
	var (
		grant Grant
		whys  []string
	)
	for _, e := range lines {
		if !slices.Contains(cert.ValidPrincipals, e.name) {
			continue
		}
		if err := checker.CheckCert(e.name, cert); err != nil {
			whys = append(whys, fmt.Sprintf("%s: certificate %q: %v", e.where, cert.KeyId, err))
			continue
		}
		if src, ok := cert.CriticalOptions["source-address"]; ok && !matchSourceAddress(src, addr) {
			whys = append(whys, fmt.Sprintf("%s: certificate %q: %s is outside its source-address %q", e.where, cert.KeyId, addr, src))
			continue
		}
		g, why := f.allow(e, addr)
		if why != "" {
			whys = append(whys, why)
			continue
		}
		if _, ok := cert.Extensions["permit-pty"]; !ok {
			g.NoPTY = true
		}
		if grant.Name != "" && grant.Name != g.Name {
			return Grant{}, fmt.Sprintf("certificate %q names two authors who trust its CA, %s and %s", cert.KeyId, grant.Name, g.Name)
		}
		grant = g
	}
	if grant.Name != "" {
		return grant, ""
	}
	if len(whys) == 0 {
		return Grant{}, fmt.Sprintf("certificate %q names no author who trusts its CA (principals %q)", cert.KeyId, cert.ValidPrincipals)
	}
	return Grant{}, strings.Join(whys, "; ")
}

// Names returns the authors' names, sorted: whoever has a key file with a
// line that may grant.
func (f *Folder) Names() []string {
	if err := f.refresh(); err != nil {
		f.log.Error("reading keys folder", "dir", f.dir, "err", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := map[string]bool{}
	for _, e := range f.keys {
		if e.refused == "" {
			seen[e.name] = true
		}
	}
	for _, lines := range f.cas {
		for _, e := range lines {
			if e.refused == "" {
				seen[e.name] = true
			}
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// keyFile is one NAME.pub as read.
type keyFile struct {
	name string
	data []byte
	err  error
}

// refresh reads every NAME.pub of the folder, following links, and parses
// them again if any name or content changed since the last read. A lookup
// that arrives while another reads waits for that read to end and reads
// again only if it began before the lookup did; so concurrent lookups
// share reads, and each still sees the folder as it was when it arrived or
// later. On an error the folder counts as empty: a folder that cannot be
// read grants nothing.
func (f *Folder) refresh() error {
	f.mu.Lock()
	arrived := f.started
	f.mu.Unlock()
	f.reading.Lock()
	defer f.reading.Unlock()
	f.mu.Lock()
	if f.started > arrived { // a read begun after this lookup arrived has ended
		f.mu.Unlock()
		return nil
	}
	f.started++
	f.mu.Unlock()

	files, err := f.readFiles()
	if err != nil {
		f.mu.Lock()
		f.keys, f.cas, f.read = nil, nil, false
		f.mu.Unlock()
		return fmt.Errorf("authors: %w", err)
	}
	h := sha256.New()
	for _, kf := range files {
		sum := sha256.Sum256(kf.data)
		errText := ""
		if kf.err != nil {
			errText = kf.err.Error()
		}
		fmt.Fprintf(h, "%q %x %q\n", kf.name, sum, errText)
	}
	var state [sha256.Size]byte
	h.Sum(state[:0])
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.read && state == f.state {
		return nil
	}
	keys, cas := map[string]*entry{}, map[string][]*entry{}
	for _, kf := range files {
		f.load(kf, keys, cas)
	}
	f.keys, f.cas, f.state, f.read = keys, cas, state, true
	f.log.Info("loaded authors' keys", "dir", f.dir, "files", len(files), "keys", len(keys), "authorities", len(cas))
	return nil
}

// readFiles reads the NAME.pub files of the folder, following links. A
// file that cannot be read is returned with its error.
func (f *Folder) readFiles() ([]keyFile, error) {
	entries, err := os.ReadDir(f.dir)
	if err != nil {
		return nil, err
	}
	var files []keyFile
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".pub") || e.IsDir() {
			continue
		}
		data, err := readBounded(filepath.Join(f.dir, e.Name()))
		if errors.Is(err, os.ErrNotExist) && e.Type()&os.ModeSymlink == 0 {
			continue // removed meanwhile
		}
		files = append(files, keyFile{name: e.Name(), data: data, err: err})
	}
	return files, nil
}

// load adds the lines of one file to keys and cas, logging and skipping
// bad lines. A line with an option sshblog does not honour is kept, refused,
// so that its key stays a reader's even if listed again further on.
func (f *Folder) load(kf keyFile, keys map[string]*entry, cas map[string][]*entry) {
	name := strings.TrimSuffix(kf.name, ".pub")
	if !namePattern.MatchString(name) {
		f.log.Warn("skipping key file: the author's name must be letters, digits, '.', '_' or '-'", "file", kf.name)
		return
	}
	if kf.err != nil {
		f.log.Warn("skipping key file", "file", kf.name, "err", kf.err)
		return
	}
	sc := bufio.NewScanner(bytes.NewReader(kf.data))
	sc.Buffer(make([]byte, 0, 4096), maxKeyFile)
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 || text[0] == '#' {
			continue
		}
		key, _, rawOpts, _, err := gossh.ParseAuthorizedKey(text)
		if err != nil {
			f.log.Warn("skipping malformed key line", "file", kf.name, "line", line, "err", err)
			continue
		}
		e := &entry{name: name, where: fmt.Sprintf("%s:%d", kf.name, line)}
		e.opts, err = parseOptions(rawOpts, f.loc)
		if err != nil {
			e.refused = err.Error() + "; the line grants nothing"
		} else if _, ok := key.(*gossh.Certificate); ok {
			e.refused = "a certificate is not a key to list (list its CA's key with cert-authority); the line grants nothing"
		}
		if e.refused != "" {
			f.log.Warn("refusing key line", "file", kf.name, "line", line, "why", e.refused)
		}
		k := string(key.Marshal())
		if e.opts.certAuthority && e.refused == "" {
			if slices.ContainsFunc(cas[k], func(o *entry) bool { return o.name == name }) {
				f.log.Warn("authority listed twice for one author; keeping the first", "file", kf.name, "line", line)
				continue
			}
			cas[k] = append(cas[k], e)
			continue
		}
		if first, ok := keys[k]; ok {
			f.log.Warn("key listed twice; keeping the first line", "file", kf.name, "line", line, "first", first.where)
			continue
		}
		keys[k] = e
	}
}

// readBounded reads a key file, following links, refusing one over
// maxKeyFile or one that is not a regular file (a FIFO would block).
func readBounded(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxKeyFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxKeyFile {
		return nil, fmt.Errorf("larger than %d KiB", maxKeyFile>>10)
	}
	return data, nil
}
